import * as path from 'path';
import { parseArgs } from 'util';
import type { ParseArgsConfig } from 'util';
import { tf, buildModel, createRegistry, loadInstalledFirstParty, loadPlugins, loadStateDict, selectBackend, splitPretrained, SpecError, usePlugin } from '@vitkit/core';
import type { ImageClassifier, Registry } from '@vitkit/core';
import { decodeImageFile } from '@vitkit/data';
import { trainerPlugin as plugin } from './components';
import { readWeights } from './checkpoint';
import { predictWithPreset } from './predict-preset';
import { defaultDataFactory } from './data';
import { evaluateModel } from './evaluate';
import { ProgressBar } from './progress';
import { LoadedSpec, loadTrainSpec } from './spec';
import { ensureWasmKernels, NonFiniteLossError, Trainer } from './trainer';

const HELP = {
  train: `Usage: vitkit train --spec <file.json> [options]

Trains the model of a spec (model, data, optimizer, schedule, loss are all built from it) and ends with the
test top-1 accuracy and the wall time. Writes <outDir>/checkpoint.safetensors (weights + optimizer + RNG + position),
model.safetensors, metrics.jsonl and report.html (loss/accuracy curves, per-class accuracy, confusion matrix).

Options:
  --spec <file>        training spec (JSON)                         (required)
  --resume             continue from <outDir>/checkpoint.safetensors (same data order, same random numbers)
  --checkpoint <file>  resume from this checkpoint instead (implies --resume)
  --out <dir>          output folder (default: train.outDir, else runs/<spec name>)
  --backend <name>     auto | wasm | cpu | tfjs-node | tfjs-node-gpu (default: spec.backend, else auto)
  --quiet              no progress bar
  -h, --help           this help

Ctrl-C once stops after the current step and writes a checkpoint; resume with --resume.`,
  eval: `Usage: vitkit eval --spec <file.json> --weights <file.safetensors> [options]

Evaluates weights (a plain safetensors state dict or a training checkpoint) on the spec's test set:
top-1, top-5, per-class accuracy and the confusion matrix.

Options:
  --spec <file>        training spec (JSON)                          (required)
  --weights <file>     weights or checkpoint: safetensors, .pth, .pth.tar (required)
  --backend <name>     backend (default: spec.backend, else auto)
  --json               print the full result as JSON
  -h, --help           this help`,
  predict: `Usage: vitkit predict --spec <file.json> --weights <file.safetensors> [options] <images...>
       vitkit predict --preset <name> --weights <official.pth.tar> [options] <images...>

Classifies image files (PNG, JPEG, ...) and prints the top-k labels with their probabilities. With --preset, the
preset's published weights are expected: their official eval transform and ImageNet class names are applied.

Options:
  --spec <file>        training spec (JSON)                          (or --preset)
  --preset <name>      a preset with published weights (t2t_vit_14, crossvit_9_240, resnet50, ...)
  --weights <file>     weights or checkpoint: safetensors, .pth, .pth.tar (required)
  --top <k>            how many labels per image (default 5)
  --backend <name>     backend (default: spec.backend, else auto)
  --json               print JSON
  -h, --help           this help`,
} as const;

export type TrainerCommand = keyof typeof HELP;

class UsageError extends Error {}

function parse(command: TrainerCommand, argv: string[]) {
  const common = {
    spec: { type: 'string' },
    backend: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    json: { type: 'boolean' },
  } as const;
  const options: ParseArgsConfig['options'] =
    command === 'train'
      ? { ...common, resume: { type: 'boolean' }, checkpoint: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' } }
      : command === 'eval'
        ? { ...common, weights: { type: 'string' } }
        : { ...common, weights: { type: 'string' }, top: { type: 'string' }, preset: { type: 'string' } };
  try {
    return parseArgs({ args: argv, options, allowPositionals: command === 'predict', strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function setupRegistry(loaded: LoadedSpec): Promise<Registry> {
  const registry = createRegistry();
  usePlugin(registry, plugin);
  loadInstalledFirstParty(registry);
  if (loaded.spec.plugins.length) loadPlugins(registry, loaded.spec.plugins, loaded.dir);
  return registry;
}

async function loadModel(loaded: LoadedSpec, registry: Registry, weights: string): Promise<{ model: ImageClassifier; metadata: Record<string, string> }> {
  // --weights replaces the spec's `pretrained`.
  const model = buildModel(registry, splitPretrained(loaded.spec.model as never).spec, 'model');
  const file = path.resolve(weights);
  const { tensors, metadata } = await readWeights(file);
  loadStateDict(model, tensors, { strict: true, source: file });
  model.eval();
  return { model, metadata };
}

/**
 * Runs `vitkit train|eval|predict` with its own arguments; returns the process exit code
 * (0 ok, 1 failure, 2 usage error, 130 interrupted).
 */
export async function runTrainerCli(command: TrainerCommand, argv: string[]): Promise<number> {
  if (!(command in HELP)) {
    process.stderr.write(`vitkit: unknown trainer command "${command}"; expected train, eval or predict\n`);
    return 2;
  }
  try {
    const args = parse(command, argv);
    const v = args.values as Record<string, string | boolean | undefined>;
    if (v.help) {
      process.stdout.write(`${HELP[command]}\n`);
      return 0;
    }
    if (command === 'predict' && typeof v.preset === 'string') return await predictPreset(v, args.positionals);
    if (typeof v.spec !== 'string') throw new UsageError('--spec <file> is required');
    if (command !== 'train' && typeof v.weights !== 'string') throw new UsageError('--weights <file> is required');
    if (command === 'predict' && !args.positionals.length) throw new UsageError('give at least one image file');
    const loaded = await loadTrainSpec(v.spec);
    if (command === 'train') return await train(loaded, v);
    const registry = await setupRegistry(loaded);
    await selectBackend((v.backend as string) ?? loaded.spec.backend);
    ensureWasmKernels();
    if (command === 'eval') return await evaluate(loaded, registry, v);
    return await predict(loaded, registry, v, args.positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`vitkit ${command}: ${e.message}\n\n${HELP[command]}\n`);
      return 2;
    }
    if (e instanceof SpecError) {
      process.stderr.write(`vitkit ${command}: invalid spec:\n${e.message}\n`);
      return 1;
    }
    if (e instanceof NonFiniteLossError) {
      process.stderr.write(`\nvitkit ${command}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`vitkit ${command}: ${(e as Error).message ?? e}\n`);
    if (process.env.VITKIT_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

async function train(loaded: LoadedSpec, v: Record<string, string | boolean | undefined>): Promise<number> {
  const registry = await setupRegistry(loaded);
  const trainer = await Trainer.create(loaded, {
    registry,
    outDir: v.out as string | undefined,
    backend: v.backend as string | undefined,
    resume: typeof v.checkpoint === 'string' ? v.checkpoint : !!v.resume,
    progress: v.quiet ? null : process.stderr,
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nvitkit train: stopping after this step (Ctrl-C again to quit at once)\n');
    trainer.requestStop();
  };
  process.on('SIGINT', onSigint);
  try {
    const r = await trainer.fit();
    return r.stopped ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    trainer.dispose();
  }
}

async function evaluate(loaded: LoadedSpec, registry: Registry, v: Record<string, string | boolean | undefined>): Promise<number> {
  const { model } = await loadModel(loaded, registry, v.weights as string);
  const data = await defaultDataFactory({ registry, spec: loaded.spec, dir: loaded.dir });
  const source = data.test ?? data.evaluation;
  const bar = v.json ? undefined : new ProgressBar(process.stderr);
  const r = await evaluateModel(model, source, data.numClasses, {
    classNames: data.classNames,
    onBatch: (d, t) => bar?.update('eval', d, t, { loss: NaN, acc: NaN, imagesPerSecond: NaN, lr: NaN }, NaN),
  });
  model.dispose();
  if (v.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  const lines = [`${data.test ? 'test' : 'validation'} set, ${r.count} images: top-1 ${(r.top1 * 100).toFixed(2)}%  top-5 ${(r.top5 * 100).toFixed(2)}%  loss ${r.loss.toFixed(4)}`, '', 'per-class accuracy:'];
  const w = Math.max(5, ...r.perClass.map((c) => c.name.length));
  for (const c of r.perClass) lines.push(`  ${c.name.padEnd(w)}  ${Number.isNaN(c.accuracy) ? '   –   ' : `${(c.accuracy * 100).toFixed(2).padStart(6)}%`}  (${c.count})`);
  lines.push('', 'confusion matrix (rows: true class, columns: predicted):');
  const cw = Math.max(4, ...r.confusion.flat().map((x) => String(x).length)) + 1;
  lines.push(`  ${''.padEnd(w)} ${r.perClass.map((c) => c.name.slice(0, cw - 1).padStart(cw)).join('')}`);
  r.confusion.forEach((row, i) => lines.push(`  ${r.perClass[i].name.padEnd(w)} ${row.map((x) => String(x).padStart(cw)).join('')}`));
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Decodes an image file to HWC float [0, 1] with @vitkit/data's decoder (the file is named in errors). */
function readImage(file: string, channels: number, size: readonly [number, number]): Promise<Float32Array> {
  return decodeImageFile(file, [size[0], size[1], channels]);
}

interface InferenceInfo {
  classNames: readonly string[];
  normalize: { mean: number[]; std: number[] };
  imageShape: readonly [number, number, number];
}

async function inferenceInfo(loaded: LoadedSpec, registry: Registry, metadata: Record<string, string>): Promise<InferenceInfo> {
  if (metadata['vitkit.classNames'] && metadata['vitkit.normalize'] && metadata['vitkit.imageShape']) {
    return {
      classNames: JSON.parse(metadata['vitkit.classNames']),
      normalize: JSON.parse(metadata['vitkit.normalize']),
      imageShape: JSON.parse(metadata['vitkit.imageShape']),
    };
  }
  // Weights from elsewhere: take class names, statistics and image shape from the spec's datasets.
  const data = await defaultDataFactory({ registry, spec: loaded.spec, dir: loaded.dir });
  return { classNames: data.classNames, normalize: data.normalize, imageShape: data.shape };
}

async function predictPreset(v: Record<string, string | boolean | undefined>, images: string[]): Promise<number> {
  if (typeof v.weights !== 'string') throw new UsageError('--weights <file> is required');
  if (!images.length) throw new UsageError('give at least one image file');
  const top = v.top === undefined ? 5 : Number(v.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got ${v.top}`);
  await selectBackend((v.backend as string) ?? 'auto', { quiet: !!v.json });
  const r = await predictWithPreset({ preset: v.preset as string, weights: v.weights, images, top });
  printPredictions(r.predictions, !!v.json);
  return 0;
}

function printPredictions(results: Array<{ file: string; top: Array<{ label: string; probability: number }> }>, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  for (const r of results) {
    process.stdout.write(`${r.file}\n`);
    for (const t of r.top) process.stdout.write(`  ${(t.probability * 100).toFixed(2).padStart(6)}%  ${t.label}\n`);
  }
}

async function predict(loaded: LoadedSpec, registry: Registry, v: Record<string, string | boolean | undefined>, images: string[]): Promise<number> {
  if (!images.length) throw new UsageError('give at least one image file');
  const top = v.top === undefined ? 5 : Number(v.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got ${v.top}`);
  const { model, metadata } = await loadModel(loaded, registry, v.weights as string);
  const info = await inferenceInfo(loaded, registry, metadata);
   
  const data = require('@vitkit/data') as typeof import('@vitkit/data');
  usePlugin(registry, data.plugin);
  const transforms = data.createTransforms(registry, loaded.spec.data.evalTransforms as never, 'data.evalTransforms');
  const { inputSize, inChans, numClasses } = model.config;
  const [h0, w0, c0] = info.imageShape;
  const results: Array<{ file: string; top: Array<{ label: string; class: number; probability: number }> }> = [];
  for (const file of images) {
    // The same path as evaluation: decode at the dataset's size and channels, the spec's eval transforms, normalise.
    let img = data.makeImage(h0, w0, c0, await readImage(file, c0, [h0, w0]));
    for (const t of transforms) img = t.apply(img, { rng: data.Rng.from(0), mean: info.normalize.mean, std: info.normalize.std });
    if (img.height !== inputSize[0] || img.width !== inputSize[1]) img = data.cropResizeBilinear(img, 0, 0, img.height, img.width, inputSize[0], inputSize[1]);
    if (img.channels !== inChans) throw new Error(`${file}: the eval transforms give ${img.channels} channels, the model takes ${inChans}`);
    data.normalizeInPlace(img.data, img.channels, info.normalize.mean, info.normalize.std);
    const probs = tf.tidy(() => tf.softmax(model.forward(tf.tensor4d(img.data, [1, img.height, img.width, img.channels]))));
    const p = (await probs.data()) as Float32Array;
    probs.dispose();
    const order = [...Array(numClasses).keys()].sort((a, b) => p[b] - p[a]).slice(0, top);
    results.push({ file, top: order.map((c) => ({ label: info.classNames[c] ?? String(c), class: c, probability: p[c] })) });
  }
  model.dispose();
  printPredictions(results, !!v.json);
  return 0;
}
