#!/usr/bin/env node
// Times inference of one vitkit model exported to ONNX (@vitkit/onnx) and run by onnxruntime-node, in its own
// process, and prints one JSON line. Run by tools/bench/bench.js (`--vs-pytorch` or `--onnxruntime`); usable alone:
//   node tools/bench/run-onnxruntime.js --model vit_s_bench_32 --batch 32 --steps 5 --warmup 2 --threads 2
// The weights are the same seeded initialisation the vitkit and PyTorch runs use; only inference is timed
// (onnxruntime-node has no training). Needs the built packages (npm run build) and onnxruntime-node.
'use strict';
const { parseArgs } = require('util');
const { RUNNER_OPTIONS, out, processStats, requireBuilt, median, createBench } = require('./vitkit-model');

const { values: opts } = parseArgs({ options: { ...RUNNER_OPTIONS, threads: { type: 'string', default: '1' } } });

async function main() {
  const name = opts.model;
  if (!name) throw new Error('--model is required');
  const threads = Number(opts.threads);
  const batch = Number(opts.batch);
  const steps = Number(opts.steps);
  const warmup = Number(opts.warmup);
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch {
    out({ model: name, engine: 'onnxruntime', status: 'error', message: 'onnxruntime-node is not installed; install it with: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node' });
    return;
  }
  const core = require('@vitkit/core');
  const { exportOnnx } = requireBuilt('packages/onnx/dist/index.js');
  await core.selectBackend('cpu', { quiet: true });
  const bench = createBench(core, name, { batch: 1, plugins: opts.plugins.split(',').filter(Boolean) });
  if (!bench) {
    out({ model: name, engine: 'onnxruntime', status: 'not registered', message: `"${name}" is not a registered preset` });
    return;
  }
  const t0 = performance.now();
  const bytes = exportOnnx(bench.model.eval());
  const exportSeconds = (performance.now() - t0) / 1e3;
  const params = bench.model.countParameters().total;
  const [h, w] = bench.model.config.inputSize;
  const c = bench.model.config.inChans;
  bench.dispose();
  const rssBefore = process.memoryUsage().rss;
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const data = new Float32Array(batch * h * w * c);
  let s = 1;
  for (let i = 0; i < data.length; i++) data[i] = ((s = (s * 16807) % 2147483647) / 2147483647); // uniform [0, 1) like the other runs
  const feeds = { input: new ort.Tensor('float32', data, [batch, h, w, c]) };
  const inferMsAll = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t = performance.now();
    await session.run(feeds);
    if (i >= warmup) inferMsAll.push(performance.now() - t);
  }
  await session.release();
  const inferMs = median(inferMsAll);
  out({
    model: name,
    engine: 'onnxruntime',
    status: 'ok',
    runtime: `onnxruntime-node ${require('onnxruntime-node/package.json').version} (CPU, ${threads} intra-op threads)`,
    batch,
    threads,
    imageSize: h,
    params,
    onnxMB: bytes.length / 2 ** 20,
    exportSeconds,
    steps,
    warmup,
    inferMs,
    inferMsAll,
    inferImgPerSec: batch / (inferMs / 1e3),
    ...processStats(rssBefore),
  });
}

main().then(
  () => process.exit(0),
  (e) => {
    out({ model: opts.model, engine: 'onnxruntime', status: 'error', message: String((e && e.stack) || e).split('\n').slice(0, 4).join(' | ') });
    process.exit(1);
  },
);
