#!/usr/bin/env node
// CPU time and page faults of one Conv2D forward call on the ResNet-18 layer shapes (224 px input), on one engine:
//   node tools/bench/conv-kernels.js --backend native --threads 1 --batch 8 [--calls 5]
// Process CPU time reads the same on a shared machine (wall time, beside it, shows what a second thread gained); the page faults show a column
// buffer that is mapped afresh on every call. Needs the built packages (npm run build).
'use strict';
const { parseArgs } = require('util');
const { setUpBackend } = require('./vitkit-model');

const { values: opts } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '8' },
    calls: { type: 'string', default: '5' },
  },
});

/** [input NHWC without the batch, filter HWIO, stride]: the stem and one 3×3 conv of each stage. */
const LAYERS = [
  [[224, 224, 3], [7, 7, 3, 64], 2],
  [[56, 56, 64], [3, 3, 64, 64], 1],
  [[56, 56, 64], [3, 3, 64, 128], 2],
  [[28, 28, 128], [3, 3, 128, 128], 1],
  [[14, 14, 256], [3, 3, 256, 256], 1],
  [[7, 7, 512], [3, 3, 512, 512], 1],
];

async function main() {
  const core = require('@vitkit/core');
  const { tf } = core;
  const backend = await setUpBackend(core, { backend: opts.backend, threads: Number(opts.threads), kernels: 'on' });
  const batch = Number(opts.batch);
  const calls = Number(opts.calls);
  process.stdout.write(`Conv2D forward, batch ${batch}, backend ${backend.backend}, ${backend.threads} thread(s), ${calls} calls each\n`);
  process.stdout.write('| input | filter | stride | CPU ms/call | of which system | wall ms/call | page faults/call |\n|---|---|---|---|---|---|---|\n');
  let total = 0;
  for (const [inShape, filterShape, stride] of LAYERS) {
    const x = tf.randomNormal([batch, ...inShape]);
    const w = tf.randomNormal(filterShape);
    tf.conv2d(x, w, stride, 'same').dispose(); // warm-up: first-call allocations are not what this measures
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const f0 = process.resourceUsage().minorPageFault;
    for (let i = 0; i < calls; i++) tf.conv2d(x, w, stride, 'same').dispose();
    const c = process.cpuUsage(c0);
    const wall = (performance.now() - t0) / calls;
    const faults = (process.resourceUsage().minorPageFault - f0) / calls;
    const ms = (c.user + c.system) / 1000 / calls;
    total += ms;
    process.stdout.write(`| [${batch}, ${inShape}] | [${filterShape}] | ${stride} | ${ms.toFixed(1)} | ${(c.system / 1000 / calls).toFixed(1)} | ${wall.toFixed(1)} | ${Math.round(faults)} |\n`);
    tf.dispose([x, w]);
  }
  process.stdout.write(`total ${total.toFixed(1)} ms CPU per pass over these layers\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e && e.stack) || e}\n`);
    process.exit(1);
  }
);
