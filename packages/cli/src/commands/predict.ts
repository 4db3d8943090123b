import { selectBackend, tf } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import type { LoadedSpec } from '@vitkit/trainer';
import { commonOptions, defineCommand } from '../command';
import { EXIT, UsageError } from '../exit-codes';
import { loadTrainedModel } from '../load-weights';
import { engineOption, openEngine, parseEngine } from '../onnx-package';
import { createRunRegistry } from '../run-setup';
import { predictSegmentation } from '../segmentation';
import { dataPackage, trainerPackage, TrainerPackage } from '../trainer-packages';

interface InferenceInfo {
  classNames: readonly string[];
  normalize: { mean: number[]; std: number[] };
  imageShape: readonly [number, number, number];
}

/** Class names, statistics and image shape: from the weights' metadata (written by train), else the spec's datasets. */
async function inferenceInfo(trainer: TrainerPackage, loaded: LoadedSpec, registry: Registry, metadata: Record<string, string>): Promise<InferenceInfo> {
  if (metadata['vitkit.classNames'] && metadata['vitkit.normalize'] && metadata['vitkit.imageShape']) {
    return {
      classNames: JSON.parse(metadata['vitkit.classNames']),
      normalize: JSON.parse(metadata['vitkit.normalize']),
      imageShape: JSON.parse(metadata['vitkit.imageShape']),
    };
  }
  const data = await trainer.defaultDataFactory({ registry, spec: loaded.spec, dir: loaded.dir });
  return { classNames: data.classNames, normalize: data.normalize, imageShape: data.shape };
}

interface Prediction {
  file: string;
  top: Array<{ label: string; class: number; probability: number }>;
}

function printPredictions(results: readonly Prediction[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  for (const r of results) {
    process.stdout.write(`${r.file}\n${r.top.map((t) => `  ${(t.probability * 100).toFixed(2).padStart(6)}%  ${t.label}`).join('\n')}\n`);
  }
}

export const predictCommand = defineCommand({
  summary: 'top-k labels for image files',
  usage: '(--spec <file.json> | --preset <name>) --weights <file> [options] <images...>',
  details:
    "Each image (PNG, JPEG, ...) goes the evaluation path: decoded at the dataset's size, the spec's eval transforms,\nnormalised. With --preset, the preset's published weights are expected (`vitkit list --json` shows them): their\nofficial eval transform (resize, crop, interpolation, mean/std) is applied and the ImageNet-1k class names printed.",
  positionals: { name: '<images...>', help: 'image files', min: 1 },
  options: {
    spec: { type: 'string', value: '<file.json>', help: 'training spec (JSON); or --preset' },
    preset: { type: 'string', value: '<name>', help: 'a preset with published weights (t2t_vit_14, crossvit_9_240, resnet50, ...)' },
    weights: { type: 'string', value: '<file>', help: 'weights or checkpoint: safetensors, .pth, .pth.tar', required: true },
    top: { type: 'string', value: '<k>', help: 'how many labels per image (default 5)' },
    backend: commonOptions.specBackend,
    engine: engineOption,
    out: { type: 'string', value: '<dir>', help: 'segmentation specs: folder for the coloured masks (default: next to each image)' },
    json: { type: 'boolean', help: 'print one JSON array on stdout: per image its file and top labels (or mask file)' },
  },
  async run({ values, positionals: images }) {
    const engine = parseEngine(values.engine);
    const top = values.top === undefined ? 5 : Number(values.top);
    if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got ${values.top}`);
    const trainer = trainerPackage();
    if (values.preset !== undefined) {
      if (values.spec !== undefined) throw new UsageError('give --spec or --preset, not both');
      await selectBackend({ flag: values.backend, quiet: values.json });
      const { predictions } = await trainer.predictWithPreset({ preset: values.preset, weights: values.weights!, images, top, registry: createRunRegistry() });
      printPredictions(predictions, !!values.json);
      return EXIT.ok;
    }
    if (values.spec === undefined) throw new UsageError('--spec <file.json> or --preset <name> is required');
    const data = dataPackage();
    const loaded = await trainer.loadTrainSpec(values.spec!);
    if (loaded.spec.task === 'segmentation' && engine !== 'tfjs') throw new UsageError('--engine onnxruntime serves classification models only');
    const registry = createRunRegistry({ use: [trainer.plugin, data.plugin], spec: { ids: loaded.spec.plugins, dir: loaded.dir } });
    await selectBackend({ flag: values.backend, spec: loaded.spec.backend, specPath: loaded.file ? `${loaded.file}: backend` : 'backend', quiet: values.json });
    if (loaded.spec.task === 'segmentation') {
      const masks = await predictSegmentation(trainer, data, values.spec, registry, values.weights!, images, values.out);
      process.stdout.write(values.json ? `${JSON.stringify(masks)}\n` : masks.map((m) => `${m.file} → ${m.mask}\n`).join(''));
      return EXIT.ok;
    }
    const { model, metadata } = await loadTrainedModel(trainer, loaded, registry, values.weights!);
    const served = await openEngine(engine, model, (loaded.spec.plugins ?? []).map((id) => ({ id, dir: loaded.dir }))).catch((e) => {
      model.dispose();
      throw e;
    });
    try {
      const info = await inferenceInfo(trainer, loaded, registry, metadata);
      const transforms = data.createTransforms(registry, loaded.spec.data.evalTransforms, 'data.evalTransforms');
      const { inputSize, inChans, numClasses } = model.config;
      const [h0, w0, c0] = info.imageShape;
      const results: Prediction[] = [];
      for (const file of images) {
        let img = data.makeImage(h0, w0, c0, await data.decodeImageFile(file, [h0, w0, c0]));
        for (const t of transforms) img = t.apply(img, { rng: data.Rng.from(0), mean: info.normalize.mean, std: info.normalize.std });
        if (img.height !== inputSize[0] || img.width !== inputSize[1]) img = data.cropResizeBilinear(img, 0, 0, img.height, img.width, inputSize[0], inputSize[1]);
        if (img.channels !== inChans) throw new Error(`${file}: the eval transforms give ${img.channels} channels, the model takes ${inChans}`);
        data.normalizeInPlace(img.data, img.channels, info.normalize.mean, info.normalize.std);
        const x = tf.tensor4d(img.data, [1, img.height, img.width, img.channels]);
        const logits = served.forward ? await served.forward(x) : tf.tidy(() => model.forward(x));
        const probs = tf.softmax(logits);
        tf.dispose([x, logits]);
        const p = (await probs.data()) as Float32Array;
        probs.dispose();
        const order = [...Array(numClasses).keys()].sort((a, b) => p[b] - p[a]).slice(0, top);
        results.push({ file, top: order.map((c) => ({ label: info.classNames[c] ?? String(c), class: c, probability: p[c] })) });
      }
      printPredictions(results, !!values.json);
      return EXIT.ok;
    } finally {
      await served.close();
      model.dispose();
    }
  },
});
