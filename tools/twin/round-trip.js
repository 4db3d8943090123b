#!/usr/bin/env node
'use strict';
/**
 * npm run test:twin — the round trip between vitkit and its PyTorch twin (python/vitkit-torch), one line per family:
 *   round trip <family>: <steps> steps, max loss rel diff <x>, max weight diff <y>, forward max diff <z>
 * Checks (any failure exits 1):
 *   1. the twin's forward equals vitkit's on vitkit's random initial weights (≤ 1e-4);
 *   2. the same spec trained in vitkit and in the twin (1 process) from the same initial weights on the same batches
 *      gives the same loss at every step (relative difference ≤ 1e-3) and the same final weights (≤ 1e-4);
 *   3. a 2-process DDP run (torchrun, gloo, CPU) matches the 1-process run (losses ≤ 1e-3 relative, weights ≤ 1e-4);
 *   4. the twin's model.safetensors evaluates in vitkit to the twin's test accuracy (segmentation: mIoU);
 *   5. segmentation families: the twin's first training batch (images and pixel labels) equals vitkit's bit for bit.
 * The families cover the twin's data and training options between them (see families.js): datasets (mnist, synthetic, cifar10),
 * augmentation (random crop and flip; RandAugment on crossvit, random-resized-crop and random erasing on vt-resnet), mixup/cutmix, repeated augmentation, optimizers, losses, EMA, clipping, DeiT distillation (resnet),
 * segmentation (fpn, vt-fpn: mnist-segmentation, paired crop and flip, pixel cross-entropy, mIoU).
 * Python: $VITKIT_TORCH_PYTHON, else python/.venv/bin/python (see .ci/run), else python3; it needs torch and safetensors.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const core = require('@vitkit/core');
const { Trainer, launchTorchTraining, loadCheckpoint } = require('@vitkit/trainer');
// The registry `vitkit train` builds from (core loads no plugin by itself; the CLI decides the default ones).
const { createRunRegistry } = require('@vitkit/cli');
const { FAMILIES, FIXTURES, FORWARD_VARIANTS } = require('./families');

const ROOT = path.resolve(__dirname, '../..');
const TOL = { forward: 1e-4, lossRel: 1e-3, weight: 1e-4 };
const BACKEND = process.env.VITKIT_TWIN_BACKEND || 'cpu';

function python() {
  if (process.env.VITKIT_TORCH_PYTHON) return process.env.VITKIT_TORCH_PYTHON;
  const venv = path.join(ROOT, 'python/.venv/bin/python');
  return fs.existsSync(venv) ? venv : 'python3';
}

function runPython(args, what) {
  // The plugin variant's PyTorch counterpart (plugin/doubled_patch_torch.py) registers through VITKIT_TORCH_PLUGINS.
  const pythonPath = [path.join(ROOT, 'python/vitkit-torch'), path.join(__dirname, 'plugin'), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  const env = { ...process.env, PYTHONPATH: pythonPath, VITKIT_TORCH_PLUGINS: 'doubled_patch_torch', VITKIT_TORCH_DEVICE: 'cpu', OMP_NUM_THREADS: '1' };
  const r = spawnSync(python(), args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) {
    throw new Error(`${what} failed (${python()} ${args.join(' ')}): ${r.error ? r.error.message : `exit ${r.status}`}\n${(r.stderr || '').slice(-4000)}`);
  }
  return r.stdout;
}

function readMetrics(dir) {
  return fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function trainLosses(dir) {
  return readMetrics(dir).filter((r) => r.type === 'train').map((r) => [r.step, r.loss]);
}

async function weights(file) {
  return (await core.readSafetensors(file)).tensors;
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function compareWeights(a, b, what) {
  const problems = [];
  let m = 0;
  for (const [k, t] of a) {
    const u = b.get(k);
    if (!u) problems.push(`${what}: ${k} missing`);
    else if (u.shape.join() !== t.shape.join()) problems.push(`${what}: ${k} shape [${u.shape}] vs [${t.shape}]`);
    else m = Math.max(m, maxAbsDiff(t.data, u.data));
  }
  for (const k of b.keys()) if (!a.has(k)) problems.push(`${what}: unexpected ${k}`);
  return { max: m, problems };
}

function compareLosses(a, b, what) {
  const problems = [];
  let m = 0;
  if (a.length !== b.length) problems.push(`${what}: ${a.length} vs ${b.length} logged steps`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i][0] !== b[i][0]) problems.push(`${what}: line ${i} is step ${a[i][0]} vs ${b[i][0]}`);
    const rel = Math.abs(a[i][1] - b[i][1]) / Math.max(Math.abs(a[i][1]), 1e-12);
    if (!(rel <= TOL.lossRel)) problems.push(`${what}: step ${a[i][0]} loss ${a[i][1]} vs ${b[i][1]} (rel ${rel.toExponential(2)})`);
    m = Math.max(m, Number.isFinite(rel) ? rel : Infinity);
  }
  return { max: m, problems };
}

/**
 * `vitkit train --engine torch --nproc 2` on the main example's preset (t2t_vit_c_3_mnist: convolutional T2T with
 * BatchNorm), cut to a few steps: the launcher resolves the preset, torchrun trains, the report renders, and vitkit
 * evaluates the result to the twin's accuracy.
 */
async function launcherCheck(work) {
  const problems = [];
  const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/specs/mnist-t2t.json'), 'utf8'));
  const outDir = path.join(work, 'launcher');
  const spec = {
    ...example,
    backend: BACKEND,
    data: { ...example.data, train: { type: 'mnist', split: 'train', limit: 32 }, test: { type: 'mnist', split: 'test', limit: 32 }, batchSize: 16, evalBatchSize: 16 },
    train: { ...example.train, epochs: 1, logEvery: 1, outDir },
  };
  const specFile = path.join(work, 'mnist-t2t-short.json');
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 1));
  let output = '';
  const code = await launchTorchTraining({ spec: specFile, registry: createRunRegistry(), nproc: 2, python: python(), log: (l) => (output += `${l}\n`), onOutput: (t) => (output += t) });
  if (code !== 0) return [`torchrun exited with ${code}:\n${output.slice(-4000)}`];
  if (!fs.existsSync(path.join(outDir, 'report.html'))) problems.push('no report.html');
  const twinEval = JSON.parse(fs.readFileSync(path.join(outDir, 'eval.json'), 'utf8'));
  const steps = readMetrics(outDir).filter((r) => r.type === 'train').length;
  if (steps !== 2) problems.push(`metrics.jsonl has ${steps} train lines, expected 2 (32 images, batch 16)`);
  const trainer = await Trainer.create(specFile, { registry: createRunRegistry(), progress: null, log: () => {}, report: false, outDir: path.join(work, 'launcher-eval') });
  core.loadStateDict(trainer.model, await weights(path.join(outDir, 'model.safetensors')), { strict: true, source: 'launcher model.safetensors' });
  const vk = await trainer.evaluate(trainer.data.test, 'test');
  trainer.dispose();
  if (vk.top1 !== twinEval.top1) problems.push(`accuracy: vitkit ${vk.top1} vs twin ${twinEval.top1}`);
  console.log(`launcher (vitkit train --engine torch --nproc 2, preset ${spec.model.preset}): ${steps} steps, test top-1 ${(twinEval.top1 * 100).toFixed(1)}% in the twin and in vitkit, report.html ${problems.includes('no report.html') ? 'missing' : 'written'}`);
  return problems;
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-twin-'));
  try {
    await roundTrip(work);
  } finally {
    if (!process.env.VITKIT_TWIN_KEEP) fs.rmSync(work, { recursive: true, force: true });
    else console.log(`outputs kept in ${work}`);
  }
}

/** Seeded random weights of a distillation teacher, where the family's spec expects them. */
async function writeTeacher(distillation, file) {
  const registry = createRunRegistry();
  await core.selectBackend(BACKEND, { quiet: true });
  core.manualSeed(99);
  const teacher = core.buildModel(registry, distillation.teacher);
  try {
    await core.writeSafetensors(file, core.stateDict(teacher));
  } finally {
    teacher.dispose();
  }
}

/** vitkit's first training batch of a segmentation run (epoch 0, batch 0): `x` NHWC and the pixel `labels`. */
async function writeFirstBatch(trainer, file) {
  const it = trainer.data.train.iterate({ epoch: 0, batch: 0 });
  const b = (await it.next()).value;
  await it.return(undefined);
  try {
    await core.writeSafetensors(file, [
      ['x', { shape: b.x.shape, data: b.x.dataSync() }],
      ['labels', { shape: [b.labels.length], data: Float32Array.from(b.labels) }],
    ]);
  } finally {
    b.x.dispose();
  }
}

/** Bit-for-bit comparison of vitkit's and the twin's first segmentation batch. */
async function batchCheck(vitkitFile, twinFile) {
  const [a, b] = await Promise.all([weights(vitkitFile), weights(twinFile)]);
  const problems = [];
  for (const k of ['x', 'labels']) {
    const u = a.get(k);
    const v = b.get(k);
    if (!v || u.shape.join() !== v.shape.join()) problems.push(`first batch ${k}: shape [${u.shape}] vs [${v ? v.shape : 'missing'}]`);
    else if (!u.data.every((x, i) => x === v.data[i])) problems.push(`first batch ${k}: differs (max |vitkit - twin| = ${maxAbsDiff(u.data, v.data)})`);
  }
  return { problems, pixels: a.get('labels').data.length };
}

async function roundTrip(work) {
  const t0 = Date.now();
  const families = Object.keys(FAMILIES).filter((f) => !process.env.VITKIT_TWIN_FAMILIES || process.env.VITKIT_TWIN_FAMILIES.split(',').includes(f));
  const runs = {};
  // 1. vitkit: initial weights, a forward on random input, then the training run.
  for (const f of families) {
    const dir = path.join(work, f);
    fs.mkdirSync(dir, { recursive: true });
    const spec = { seed: 0, backend: BACKEND, ...FAMILIES[f] };
    spec.train = { ...spec.train, outDir: path.join(dir, 'vitkit') };
    const specFile = path.join(dir, `${f}.json`);
    fs.writeFileSync(specFile, JSON.stringify(spec, null, 1));
    FIXTURES[f]?.(dir);
    const distillation = spec.train.distillation;
    if (distillation) await writeTeacher(distillation, path.join(dir, distillation.weights));
    const trainer = await Trainer.create(specFile, { registry: createRunRegistry(), progress: null, log: () => {}, report: false });
    const init = core.stateDict(trainer.model);
    await core.writeSafetensors(path.join(dir, 'init.safetensors'), init);
    if (spec.task === 'segmentation') await writeFirstBatch(trainer, path.join(dir, 'batch.safetensors'));
    const [h, w] = trainer.model.config.inputSize;
    const c = trainer.model.config.inChans;
    const x = core.tf.randomNormal([2, c, h, w], 0, 1, 'float32', 7);
    await core.writeSafetensors(path.join(dir, 'input.safetensors'), [['__input__', { shape: x.shape, data: x.dataSync() }]]);
    trainer.model.eval();
    const logits = core.tf.tidy(() => trainer.model.forward(core.tf.transpose(x, [0, 2, 3, 1])).dataSync());
    trainer.model.train();
    x.dispose();
    await trainer.fit();
    runs[f] = { dir, specFile, trainer, logits, task: spec.task, backend: spec.backend };
  }
  // Variants checked by forward only: every tensor randomised in vitkit, then the same file into the twin.
  const registry = createRunRegistry();
  core.loadPlugins(registry, [path.join(__dirname, 'plugin/doubled-patch.js')]);
  const variants = process.env.VITKIT_TWIN_FAMILIES ? [] : Object.keys(FORWARD_VARIANTS);
  const forwards = [];
  variants.forEach((name, i) => {
    const dir = path.join(work, `variant-${i}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(FORWARD_VARIANTS[name]));
    core.manualSeed(i);
    const build = FORWARD_VARIANTS[name].type === 'segmentation' ? core.buildSegmenter : core.buildModel;
    const model = build(registry, FORWARD_VARIANTS[name]);
    const rand = new Map();
    for (const [k, t] of core.stateDict(model)) {
      const r = core.tf.tidy(() => core.tf.randomNormal(t.shape, 0, 0.3, 'float32', 1000 + i).dataSync());
      // Running variances must stay positive; everything else is a plain random draw.
      rand.set(k, { shape: t.shape, data: k.endsWith('running_var') ? r.map((v) => Math.abs(v) + 0.5) : r, dtype: 'F32' });
    }
    core.loadStateDict(model, rand, { strict: true, source: name });
    model.eval();
    const [h, w] = model.config.inputSize;
    const x = core.tf.randomNormal([2, model.config.inChans, h, w], 0, 1, 'float32', 77);
    const logits = core.tf.tidy(() => model.forward(core.tf.transpose(x, [0, 2, 3, 1])).dataSync());
    forwards.push({ name, dir, logits, rand, input: [['__input__', { shape: x.shape, data: x.dataSync() }]] });
    x.dispose();
    model.dispose();
  });
  for (const v of forwards) {
    await core.writeSafetensors(path.join(v.dir, 'weights.safetensors'), v.rand);
    await core.writeSafetensors(path.join(v.dir, 'input.safetensors'), v.input);
  }
  const tVitkit = Date.now();
  // 2. the twin: forwards, 1-process training from vitkit's initial weights, 2-process DDP training (gloo).
  const fwdArgs = families.flatMap((f) => ['--spec', runs[f].specFile, '--weights', path.join(runs[f].dir, 'init.safetensors'), '--input', path.join(runs[f].dir, 'input.safetensors'), '--output', path.join(runs[f].dir, 'twin-logits.safetensors')]);
  const variantArgs = forwards.flatMap((v) => ['--spec', path.join(v.dir, 'spec.json'), '--weights', path.join(v.dir, 'weights.safetensors'), '--input', path.join(v.dir, 'input.safetensors'), '--output', path.join(v.dir, 'twin-logits.safetensors')]);
  runPython(['-m', 'vitkit_torch.forward', ...fwdArgs, ...variantArgs], 'twin forward');
  const segFamilies = families.filter((f) => runs[f].task === 'segmentation');
  if (segFamilies.length) {
    const batchArgs = segFamilies.flatMap((f) => ['--spec', runs[f].specFile, '--output', path.join(runs[f].dir, 'twin-batch.safetensors')]);
    runPython(['-m', 'vitkit_torch.segmentation_data', ...batchArgs], 'twin segmentation batch');
  }
  // One spec trains into --out-dir itself, several into <out-dir>/<spec name>.
  const trainArgs = (out) => [...families.flatMap((f) => ['--spec', runs[f].specFile, '--init-weights', path.join(runs[f].dir, 'init.safetensors')]), '--out-dir', families.length === 1 ? path.join(out, families[0]) : out];
  const one = path.join(work, 'twin-1');
  const two = path.join(work, 'twin-2');
  runPython(['-m', 'vitkit_torch.train', ...trainArgs(one)], 'twin training (1 process)');
  const port = String(29500 + (process.pid % 1000));
  // --redirects/--tee 1: torch 1.13's launcher cannot parse its default "0" on Python 3.11.
  runPython(['-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_port', port, '--redirects', '1', '--tee', '1', '-m', 'vitkit_torch.train', ...trainArgs(two)], 'twin training (torchrun, 2 processes)');
  const tTwin = Date.now();
  // 3. compare.
  const failures = [];
  for (const f of families) {
    const r = runs[f];
    const problems = [];
    const twinLogits = (await weights(path.join(r.dir, 'twin-logits.safetensors'))).get('__logits__').data;
    const fwd = maxAbsDiff(r.logits, twinLogits);
    if (!(fwd <= TOL.forward)) problems.push(`forward: max |vitkit - twin| = ${fwd}`);
    const vk = trainLosses(path.join(r.dir, 'vitkit'));
    const t1dir = path.join(one, f);
    const t2dir = path.join(two, f);
    const loss = compareLosses(vk, trainLosses(t1dir), 'losses vitkit vs twin');
    const w = compareWeights(await weights(path.join(r.dir, 'vitkit', 'model.safetensors')), await weights(path.join(t1dir, 'model.safetensors')), 'final weights vitkit vs twin');
    if (!(w.max <= TOL.weight)) problems.push(`final weights: max |vitkit - twin| = ${w.max}`);
    const ddpLoss = compareLosses(trainLosses(t1dir), trainLosses(t2dir), 'losses 1 vs 2 processes');
    const ddpW = compareWeights(await weights(path.join(t1dir, 'model.safetensors')), await weights(path.join(t2dir, 'model.safetensors')), 'final weights 1 vs 2 processes');
    if (!(ddpW.max <= TOL.weight)) problems.push(`DDP final weights: max |1 process - 2 processes| = ${ddpW.max}`);
    problems.push(...loss.problems, ...w.problems, ...ddpLoss.problems, ...ddpW.problems);
    // The twin's checkpoint.safetensors holds what vitkit's holds (same names, layouts, values), so either resumes the other's.
    const [ckV, ckT] = await Promise.all([loadCheckpoint(path.join(r.dir, 'vitkit', 'checkpoint.safetensors')), loadCheckpoint(path.join(t1dir, 'checkpoint.safetensors'))]);
    for (const part of ['model', 'optimizer', 'ema']) {
      const c = compareWeights(ckV[part], ckT[part], `checkpoint ${part}`);
      problems.push(...c.problems);
      if (!(c.max <= TOL.weight)) problems.push(`checkpoint ${part}: max |vitkit - twin| = ${c.max}`);
    }
    for (const k of ['step', 'position', 'optimizer']) {
      if (JSON.stringify(ckV.meta[k]) !== JSON.stringify(ckT.meta[k])) problems.push(`checkpoint ${k}: vitkit ${JSON.stringify(ckV.meta[k])} vs twin ${JSON.stringify(ckT.meta[k])}`);
    }
    // 4. the twin's checkpoint, evaluated by vitkit.
    const twinEval = JSON.parse(fs.readFileSync(path.join(t1dir, 'eval.json'), 'utf8'));
    core.loadStateDict(r.trainer.model, await weights(path.join(t1dir, 'model.safetensors')), { strict: true, source: 'twin model.safetensors' });
    // The family's own backend (a family may pin one, see families.js), so the evaluation is the one it trained on.
    await core.selectBackend(r.backend, { quiet: true });
    const vkEval = await r.trainer.evaluate(r.trainer.data.test, 'test');
    const segmentation = r.task === 'segmentation';
    const metric = segmentation ? 'mIoU' : 'top1';
    if (vkEval[metric] !== twinEval[metric]) problems.push(`${metric} of the twin's checkpoint: vitkit ${vkEval[metric]} vs twin ${twinEval[metric]}`);
    let batchNote = '';
    if (segmentation) {
      const b = await batchCheck(path.join(r.dir, 'batch.safetensors'), path.join(r.dir, 'twin-batch.safetensors'));
      problems.push(...b.problems);
      batchNote = `; first batch ${b.problems.length ? 'DIFFERS' : 'bit-exact'} (${b.pixels} pixels)`;
    }
    r.trainer.dispose();
    console.log(
      `round trip ${f}: ${vk.length} steps, max loss rel diff ${loss.max.toExponential(2)}, max weight diff ${w.max.toExponential(2)}, forward max diff ${fwd.toExponential(2)}` +
        ` (DDP 2 vs 1 process: loss rel ${ddpLoss.max.toExponential(2)}, weights ${ddpW.max.toExponential(2)}; test ${segmentation ? 'mIoU' : 'top-1'} ${(twinEval[metric] * 100).toFixed(1)}% in both${batchNote})`,
    );
    for (const p of problems) console.log(`  FAIL ${f}: ${p}`);
    if (problems.length) failures.push(f);
  }
  for (const v of forwards) {
    const d = maxAbsDiff(v.logits, (await weights(path.join(v.dir, 'twin-logits.safetensors'))).get('__logits__').data);
    console.log(`forward ${v.name}: max diff ${d.toExponential(2)}`);
    if (!(d <= TOL.forward)) {
      console.log(`  FAIL ${v.name}: forward max |vitkit - twin| = ${d}`);
      failures.push(v.name);
    }
  }
  if (!process.env.VITKIT_TWIN_FAMILIES) {
    const problems = await launcherCheck(work);
    for (const p of problems) console.log(`  FAIL launcher: ${p}`);
    if (problems.length) failures.push('launcher');
  }
  console.log(`twin round trip: ${families.length - failures.filter((f) => families.includes(f)).length}/${families.length} families, ${forwards.length - failures.filter((f) => f in FORWARD_VARIANTS).length}/${forwards.length} forward variants${variants.length ? `, launcher ${failures.includes('launcher') ? 'FAIL' : 'ok'}` : ''} (vitkit ${((tVitkit - t0) / 1000).toFixed(1)} s, twin ${((tTwin - tVitkit) / 1000).toFixed(1)} s)`);
  if (failures.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack || e.message : e);
  process.exit(1);
});
