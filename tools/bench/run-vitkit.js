#!/usr/bin/env node
// Times one vitkit model (training step and inference) in its own process and prints one JSON line.
// Run by tools/bench/bench.js; usable alone:
//   node tools/bench/run-vitkit.js --model vit_s_bench_32 --batch 32 --steps 5 --warmup 2 --threads 2 --kernels on
// --adamw composite (alone only) unregisters the backend's fused VitkitAdamW kernel, so the trainer's AdamW runs as
// tfjs ops: the before/after of the fused optimizer step on native.
// Needs the built packages (npm run build).
'use strict';
const { parseArgs } = require('util');
const { RUNNER_OPTIONS, out, timings, processStats, setUpBackend, wasmHeapMB, createBench } = require('./vitkit-model');

const { values: opts } = parseArgs({
  options: {
    ...RUNNER_OPTIONS,
    threads: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    adamw: { type: 'string', default: 'fused' },
  },
});

async function main() {
  const name = opts.model;
  if (!name) throw new Error('--model is required');
  const core = require('@vitkit/core');
  const { tf } = core;
  const backend = await setUpBackend(core, { backend: opts.backend, threads: Number(opts.threads), kernels: opts.kernels });
  if (!['fused', 'composite'].includes(opts.adamw)) throw new Error(`--adamw must be fused or composite, got ${opts.adamw}`);
  if (opts.adamw === 'composite' && tf.getKernel(core.ADAMW_KERNEL, tf.getBackend())) tf.unregisterKernel(core.ADAMW_KERNEL, tf.getBackend());
  backend.adamw = tf.getKernel(core.ADAMW_KERNEL, tf.getBackend()) ? 'fused' : 'composite';
  const batch = Number(opts.batch);
  const steps = Number(opts.steps);
  const warmup = Number(opts.warmup);
  const rssBefore = process.memoryUsage().rss;
  const bench = createBench(core, name, { batch, lr: Number(opts.lr), plugins: opts.plugins.split(',').filter(Boolean) });
  if (!bench) {
    out({ model: name, engine: 'vitkit', status: 'not registered', message: `"${name}" is not a registered preset`, ...backend });
    return;
  }
  bench.model.train();
  const trainMsAll = [];
  const losses = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    losses.push(await bench.trainStep());
    if (i >= warmup) trainMsAll.push(performance.now() - t0);
  }
  // One extra, untimed step under tf.profile for the tensor high-water mark (tfjs counts every live tensor).
  // (tf.profile returns one shared object that the next call overwrites: read it at once.)
  const tfPeakTrainBytes = (await tf.profile(() => bench.trainStep())).peakBytes;
  bench.model.eval();
  const inferMsAll = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await bench.inferStep();
    if (i >= warmup) inferMsAll.push(performance.now() - t0);
  }
  const tfPeakInferBytes = (await tf.profile(() => bench.inferStep())).peakBytes;
  out({
    model: name,
    engine: 'vitkit',
    status: 'ok',
    strategy: backend.threads > 1 ? 'threads' : 'single',
    ...backend,
    kernelPackRegistered: core.wasmKernelsRegistered(),
    optimizer: bench.optimizer,
    batch,
    imageSize: bench.imageSize,
    params: bench.model.countParameters().total,
    ...timings({ batch, steps, warmup, losses, trainMsAll, inferMsAll }),
    tfPeakTrainMB: tfPeakTrainBytes / 2 ** 20,
    tfPeakInferMB: tfPeakInferBytes / 2 ** 20,
    wasmHeapMB: wasmHeapMB(tf),
    ...processStats(rssBefore),
  });
  bench.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    out({ model: opts.model, engine: 'vitkit', status: 'error', message: String((e && e.stack) || e).split('\n').slice(0, 4).join(' | ') });
    process.exit(1);
  },
);
