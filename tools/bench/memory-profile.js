#!/usr/bin/env node
// What a training step's memory peak is made of, on the native engine:
//   node tools/bench/memory-profile.js --model tools/bench/specs/vit_m_bench_224.json --batch 32 [--threads 1] [--top 20]
// Tracks every output buffer the engine hands out (NativeBackend.allocate) until it is freed, and at the step's
// high-water mark lists the live buffers by the kernel that produced them and their element count; then the process's
// peak RSS, the buffers the pool holds for reuse, and what tfjs's own counter says (it counts a reshape or a saved
// clone twice, so it reads high). The peak RSS is what `npm run bench` compares with PyTorch's.
// Needs the built packages (npm run build) and the native engine.
'use strict';
const { parseArgs } = require('util');
const { aroundEachKernel, RUNNER_OPTIONS, setUpBackend, createBench } = require('./vitkit-model');

const { values: opts } = parseArgs({
  options: {
    ...RUNNER_OPTIONS,
    threads: { type: 'string', default: '1' },
    top: { type: 'string', default: '20' },
  },
});

const MB = (bytes) => (bytes / 2 ** 20).toFixed(1);

async function main() {
  if (!opts.model || !opts.batch) throw new Error('--model and --batch are required');
  const core = require('@vitkit/core');
  const { tf } = core;
  const backend = await setUpBackend(core, { backend: 'native', threads: Number(opts.threads), kernels: 'on' });
  if (backend.backend !== 'native') throw new Error(`the native engine did not start (${backend.backend})`);
  const engine = tf.backend();

  // the kernel running now, so that a buffer knows who asked for it (kernels nest: a fused kernel calls Add)
  let current = '(outside kernels)';
  aroundEachKernel(tf, 'native', (kernelName, _args, run) => {
    const outer = current;
    current = kernelName;
    try {
      return run();
    } finally {
      current = outer;
    }
  });
  const bench = createBench(core, opts.model, { batch: Number(opts.batch), lr: Number(opts.lr), plugins: opts.plugins.split(',').filter(Boolean) });
  bench.model.train();
  for (let i = 0; i < Number(opts.warmup); i++) await bench.trainStep();

  const live = new Map(); // ArrayBuffer → [elements, kernel]
  let liveBytes = 0;
  let peak = { bytes: 0, byKernel: new Map() };
  const allocate = engine.allocate.bind(engine);
  engine.allocate = (size) => {
    const values = allocate(size);
    live.set(values.buffer, [values.length, current]);
    liveBytes += values.byteLength;
    // a snapshot every 1 % of growth: exact enough, and not a walk over every buffer per allocation
    if (liveBytes > peak.bytes * 1.01) {
      const byKernel = new Map();
      for (const [elements, kernel] of live.values()) {
        const key = `${kernel} (${elements} elements)`;
        const entry = byKernel.get(key) ?? { count: 0, bytes: 0 };
        entry.count++;
        entry.bytes += elements * 4;
        byKernel.set(key, entry);
      }
      peak = { bytes: liveBytes, byKernel };
    }
    return values;
  };
  const disposeData = engine.disposeData.bind(engine);
  engine.disposeData = (dataId, force) => {
    const values = engine.data.has(dataId) ? engine.data.get(dataId).values : undefined;
    const freed = disposeData(dataId, force);
    if (freed && values && values.buffer && live.has(values.buffer)) {
      liveBytes -= values.byteLength;
      live.delete(values.buffer);
    }
    return freed;
  };
  const tfPeak = (await tf.profile(() => bench.trainStep())).peakBytes;

  const rows = [...peak.byKernel.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(opts.top));
  process.stdout.write(`${opts.model}, batch ${opts.batch}, ${backend.threads} thread(s): one training step after ${opts.warmup} warm-up steps\n`);
  process.stdout.write(`live engine buffers at the step's peak: ${MB(peak.bytes)} MB (tfjs's counter: ${MB(tfPeak)} MB)\n`);
  process.stdout.write(`held by the pool after the step: ${MB(engine.pooledBytes)} MB; process peak RSS: ${MB(process.resourceUsage().maxRSS * 1024)} MB\n\n`);
  process.stdout.write('| produced by | buffers | MB |\n|---|---|---|\n');
  for (const [key, { count, bytes }] of rows) process.stdout.write(`| ${key} | ${count} | ${MB(bytes)} |\n`);
  bench.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
