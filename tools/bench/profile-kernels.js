#!/usr/bin/env node
// Where a training step and an inference batch spend their time, kernel by kernel, on one engine:
//   node tools/bench/profile-kernels.js --model vit_s_bench_32 --batch 32 --backend native --threads 2 [--by-shape]
//     [--without VitkitMultiHeadAttention,VitkitMultiHeadAttentionGrad]
// --without unregisters kernels of the backend before the run, so a fused kernel's "before" (core's ops fall back to
// their composed form where the engine lacks the kernel) is measured from the same build.
// Every kernel registered for the backend is wrapped with a wall-clock timer (kernels are synchronous, so a kernel's
// wall time is its own); the time outside kernels (tfjs dispatch, autograd bookkeeping, the model's JavaScript) is
// the "outside kernels" row. Process CPU time next to wall time shows how much of a phase used a second core.
// Needs the built packages (npm run build).
'use strict';
const { parseArgs } = require('util');
const { aroundEachKernel, RUNNER_OPTIONS, setUpBackend, createBench } = require('./vitkit-model');

const { values: opts } = parseArgs({
  options: {
    ...RUNNER_OPTIONS,
    threads: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'native' },
    top: { type: 'string', default: '25' },
    'by-shape': { type: 'boolean', default: false },
    without: { type: 'string', default: '' },
  },
});

/** The attributes that change what a matmul computes (transposes), for --by-shape. */
function kernelAttrs(attrs) {
  const t = attrs && ['transposeA', 'transposeB'].filter((a) => attrs[a]);
  return t && t.length ? ` ${t.join(',')}` : '';
}

function wrapKernels(tf, backendName) {
  const stats = new Map();
  aroundEachKernel(tf, backendName, (kernelName, args, run) => {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    try {
      return run();
    } finally {
      const c = process.cpuUsage(c0);
      const key = opts['by-shape'] ? `${kernelName} ${Object.values(args.inputs).filter((t) => t != null).map((t) => `[${t.shape}]`).join(' ')}${kernelAttrs(args.attrs)}` : kernelName;
      const s = stats.get(key) ?? { calls: 0, wallNs: 0n, cpuUs: 0 };
      s.calls++;
      s.wallNs += process.hrtime.bigint() - t0;
      s.cpuUs += c.user + c.system;
      stats.set(key, s);
    }
  });
  return stats;
}

async function phase(label, steps, run, stats) {
  stats.clear();
  const c0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await run();
  const faults = (process.resourceUsage().minorPageFault - faults0) / steps;
  const wallMs = (performance.now() - t0) / steps;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000 / steps;
  const rows = [...stats].map(([name, s]) => ({ name, calls: s.calls / steps, wallMs: Number(s.wallNs) / 1e6 / steps, cpuMs: s.cpuUs / 1000 / steps }));
  const inKernels = rows.reduce((a, r) => a + r.wallMs, 0);
  rows.sort((a, b) => b.wallMs - a.wallMs);
  const top = Number(opts.top);
  const lines = [`\n${label}: ${wallMs.toFixed(1)} ms wall, ${cpuMs.toFixed(1)} ms CPU per step (CPU/wall ${(cpuMs / wallMs).toFixed(2)}); in kernels ${inKernels.toFixed(1)} ms, outside kernels ${(wallMs - inKernels).toFixed(1)} ms; ${Math.round(faults)} page faults (${((faults * 4096) / 2 ** 20).toFixed(0)} MiB first touched)`];
  lines.push('| kernel | calls/step | wall ms | CPU ms | CPU/wall | share of wall |', '|---|---|---|---|---|---|');
  for (const r of rows.slice(0, top)) {
    lines.push(`| ${r.name} | ${r.calls} | ${r.wallMs.toFixed(2)} | ${r.cpuMs.toFixed(2)} | ${r.wallMs > 0 ? (r.cpuMs / r.wallMs).toFixed(2) : '–'} | ${((100 * r.wallMs) / wallMs).toFixed(1)} % |`);
  }
  if (rows.length > top) lines.push(`| (${rows.length - top} more) | | ${rows.slice(top).reduce((a, r) => a + r.wallMs, 0).toFixed(2)} | | | |`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function main() {
  if (!opts.model) throw new Error('--model is required');
  const core = require('@vitkit/core');
  const { tf } = core;
  const backend = await setUpBackend(core, { backend: opts.backend, threads: Number(opts.threads), kernels: opts.kernels });
  for (const name of opts.without.split(',').filter(Boolean)) {
    if (!tf.getKernel(name, tf.getBackend())) throw new Error(`--without: the ${tf.getBackend()} backend has no kernel "${name}"`);
    tf.unregisterKernel(name, tf.getBackend());
  }
  const bench = createBench(core, opts.model, { batch: Number(opts.batch), lr: Number(opts.lr), plugins: opts.plugins.split(',').filter(Boolean) });
  if (!bench) throw new Error(`"${opts.model}" is not a registered preset`);
  const stats = wrapKernels(tf, tf.getBackend());
  const without = opts.without ? `, without ${opts.without}` : '';
  process.stdout.write(`${opts.model}, batch ${opts.batch}, backend ${backend.backend}, ${backend.threads} thread(s)${without}\n`);
  const steps = Number(opts.steps);
  bench.model.train();
  for (let i = 0; i < Number(opts.warmup); i++) await bench.trainStep();
  await phase('training step', steps, () => bench.trainStep(), stats);
  bench.model.eval();
  for (let i = 0; i < Number(opts.warmup); i++) await bench.inferStep();
  await phase('inference batch', steps, () => bench.inferStep(), stats);
  bench.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
