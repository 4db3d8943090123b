#!/usr/bin/env node
// Data-parallel variant of run-vitkit.js: N worker threads, each with its own single-threaded tfjs-wasm instance
// and a replica of the model, each computing the gradients of batch/N images; the main thread averages the
// gradients (shared memory) and every replica applies the same AdamW update, so the replicas stay identical.
// Unlike the threaded wasm build (only XNNPACK GEMM/conv use the second core), every op runs in parallel here.
//   node tools/bench/run-vitkit-dp.js --model vit_s_bench_32 --batch 32 --workers 2 --kernels on
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const { parseArgs } = require('util');
const { RUNNER_OPTIONS, out, timings, processStats, setUpBackend, wasmHeapMB, createBench } = require('./vitkit-model');

// ---- worker --------------------------------------------------------------------------------------------------------

async function workerMain() {
  const { model: name, localBatch, rank, kernels, lr, plugins } = workerData;
  const core = require('@vitkit/core');
  const { tf } = core;
  const backend = await setUpBackend(core, { backend: 'wasm', threads: 1, kernels });
  const bench = createBench(core, name, { batch: localBatch, lr, seed: 1 + rank, plugins });
  if (!bench) {
    parentPort.postMessage({ type: 'ready', registered: false, backend });
    return;
  }
  const sizes = bench.params.map((p) => p.variable.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const gradBuf = new Float32Array(new SharedArrayBuffer(total * 4));
  let avgBuf = null;
  const slices = (buf) => {
    const outp = [];
    let off = 0;
    for (const n of sizes) {
      outp.push(buf.subarray(off, off + n));
      off += n;
    }
    return outp;
  };
  const initial = rank === 0 ? bench.params.map((p) => p.variable.dataSync().slice()) : null;
  parentPort.postMessage({ type: 'ready', registered: true, backend, total, initial, gradBuf, optimizer: bench.optimizer, params: bench.model.countParameters().total, imageSize: bench.imageSize });

  function computeGradients() {
    const { value, grads } = bench.gradients();
    const views = slices(gradBuf);
    bench.params.forEach((p, i) => views[i].set(grads.get(p.name).dataSync()));
    for (const g of grads.values()) g.dispose();
    const loss = value.dataSync()[0];
    value.dispose();
    return loss;
  }

  function applyAverage() {
    const views = slices(avgBuf);
    const gmap = new Map(bench.params.map((p, i) => [p.name, tf.tensor(views[i], p.variable.shape)]));
    bench.applyGradients(gmap);
    for (const g of gmap.values()) g.dispose();
  }

  parentPort.on('message', async (m) => {
    try {
      if (m.type === 'init') {
        avgBuf = m.avgBuf;
        if (m.initial) bench.params.forEach((p, i) => p.variable.assign(tf.tensor(m.initial[i], p.variable.shape)));
        parentPort.postMessage({ type: 'init-done' });
      } else if (m.type === 'train') {
        bench.model.train();
        parentPort.postMessage({ type: 'grads', loss: computeGradients() });
      } else if (m.type === 'apply') {
        applyAverage();
        parentPort.postMessage({ type: 'applied' });
      } else if (m.type === 'profile-train') {
        bench.model.train();
        const peak = (await tf.profile(() => computeGradients())).peakBytes;
        parentPort.postMessage({ type: 'profiled', peak });
      } else if (m.type === 'infer') {
        bench.model.eval();
        await bench.inferStep();
        parentPort.postMessage({ type: 'inferred' });
      } else if (m.type === 'stats') {
        parentPort.postMessage({ type: 'stats', wasmHeapMB: wasmHeapMB(tf) });
      }
    } catch (e) {
      parentPort.postMessage({ type: 'error', message: String((e && e.stack) || e) });
    }
  });
}

// ---- main ----------------------------------------------------------------------------------------------------------

async function main() {
  const { values: opts } = parseArgs({
    options: {
      ...RUNNER_OPTIONS,
      workers: { type: 'string', default: '2' },
    },
  });
  const name = opts.model;
  const n = Number(opts.workers);
  const batch = Number(opts.batch);
  const steps = Number(opts.steps);
  const warmup = Number(opts.warmup);
  if (!name) throw new Error('--model is required');
  if (!(n >= 1) || batch % n !== 0) throw new Error(`--batch ${batch} must be a multiple of --workers ${n}`);
  const rssBefore = process.memoryUsage().rss;
  const workers = [];
  const inbox = [];
  for (let rank = 0; rank < n; rank++) {
    const w = new Worker(__filename, { workerData: { model: name, localBatch: batch / n, rank, kernels: opts.kernels, lr: Number(opts.lr), plugins: opts.plugins.split(',').filter(Boolean) } });
    const q = { msgs: [], waiters: [] };
    w.on('message', (m) => {
      if (m.type === 'error') {
        out({ model: name, engine: 'vitkit', status: 'error', strategy: 'data', message: m.message.split('\n').slice(0, 4).join(' | ') });
        process.exit(1);
      }
      const waiter = q.waiters.shift();
      if (waiter) waiter(m);
      else q.msgs.push(m);
    });
    w.on('error', (e) => {
      out({ model: name, engine: 'vitkit', status: 'error', strategy: 'data', message: String(e && e.message) });
      process.exit(1);
    });
    workers.push(w);
    inbox.push(q);
  }
  const next = (i) => (inbox[i].msgs.length ? Promise.resolve(inbox[i].msgs.shift()) : new Promise((r) => inbox[i].waiters.push(r)));
  const all = () => Promise.all(workers.map((_, i) => next(i)));
  const send = (m) => workers.forEach((w) => w.postMessage(m));

  const ready = await all();
  if (!ready[0].registered) {
    out({ model: name, engine: 'vitkit', status: 'not registered', strategy: 'data', message: `"${name}" is not a registered preset`, ...ready[0].backend });
    return;
  }
  const total = ready[0].total;
  const avg = new Float32Array(new SharedArrayBuffer(total * 4));
  const grads = ready.map((r) => r.gradBuf);
  workers.forEach((w, i) => w.postMessage({ type: 'init', avgBuf: avg, initial: i === 0 ? null : ready[0].initial }));
  await all();

  async function trainStep() {
    send({ type: 'train' });
    const res = await all();
    avg.set(grads[0]);
    for (let r = 1; r < n; r++) {
      const g = grads[r];
      for (let j = 0; j < total; j++) avg[j] += g[j];
    }
    if (n > 1) for (let j = 0; j < total; j++) avg[j] /= n;
    send({ type: 'apply' });
    await all();
    return res.reduce((a, m) => a + m.loss, 0) / n;
  }

  const trainMsAll = [];
  const losses = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    losses.push(await trainStep());
    if (i >= warmup) trainMsAll.push(performance.now() - t0);
  }
  send({ type: 'profile-train' });
  const peaks = (await all()).map((m) => m.peak);
  send({ type: 'apply' });
  await all();
  const inferMsAll = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    send({ type: 'infer' });
    await all();
    if (i >= warmup) inferMsAll.push(performance.now() - t0);
  }
  send({ type: 'stats' });
  const stats = await all();
  out({
    model: name,
    engine: 'vitkit',
    status: 'ok',
    strategy: 'data',
    ...ready[0].backend,
    threads: n,
    workers: n,
    optimizer: ready[0].optimizer,
    batch,
    imageSize: ready[0].imageSize,
    params: ready[0].params,
    ...timings({ batch, steps, warmup, losses, trainMsAll, inferMsAll }),
    tfPeakTrainMB: peaks.reduce((a, b) => a + b, 0) / 2 ** 20,
    wasmHeapMB: stats.reduce((a, s) => a + (s.wasmHeapMB || 0), 0),
    ...processStats(rssBefore),
  });
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (e) => {
      out({ engine: 'vitkit', status: 'error', strategy: 'data', message: String((e && e.stack) || e).split('\n').slice(0, 4).join(' | ') });
      process.exit(1);
    },
  );
} else {
  workerMain().catch((e) => parentPort.postMessage({ type: 'error', message: String((e && e.stack) || e) }));
}
