#!/usr/bin/env node
// Times one AdamW step of @vitkit/trainer over the parameters of a ViT-S/16 (timm's vit_small_patch16_224, 22.05 M
// parameters in 152 tensors) and prints one JSON line: the median and range of the steps after the warm-up.
//   node tools/bench/optimizer-step.js --backend native --threads 1 --path fused
//   node tools/bench/optimizer-step.js --backend native --threads 1 --path composite
// --path composite unregisters the native VitkitAdamW kernel first, so the trainer's AdamW takes its tfjs-op path
// (what every backend without the kernel runs). Needs the built packages (npm run build).
'use strict';
const { parseArgs } = require('util');
const { out, setUpBackend } = require('./vitkit-model');

const { values: opts } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    threads: { type: 'string', default: '1' },
    path: { type: 'string', default: 'fused' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
  },
});

/** [name, shape, decay] of ViT-S/16: patch embedding, 12 blocks of width 384 (MLP 1536), final norm, 1000-class head. */
function vitSmallShapes() {
  const d = 384;
  const shapes = [
    ['patch_embed.proj.weight', [16, 16, 3, d], true],
    ['patch_embed.proj.bias', [d], false],
    ['cls_token', [1, 1, d], false],
    ['pos_embed', [1, 197, d], false],
  ];
  for (let b = 0; b < 12; b++) {
    const p = `blocks.${b}.`;
    shapes.push(
      [`${p}norm1.weight`, [d], false], [`${p}norm1.bias`, [d], false],
      [`${p}attn.qkv.weight`, [d, 3 * d], true], [`${p}attn.qkv.bias`, [3 * d], false],
      [`${p}attn.proj.weight`, [d, d], true], [`${p}attn.proj.bias`, [d], false],
      [`${p}norm2.weight`, [d], false], [`${p}norm2.bias`, [d], false],
      [`${p}mlp.fc1.weight`, [d, 4 * d], true], [`${p}mlp.fc1.bias`, [4 * d], false],
      [`${p}mlp.fc2.weight`, [4 * d, d], true], [`${p}mlp.fc2.bias`, [d], false]
    );
  }
  shapes.push(['norm.weight', [d], false], ['norm.bias', [d], false], ['head.weight', [d, 1000], true], ['head.bias', [1000], false]);
  return shapes;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!['fused', 'composite'].includes(opts.path)) throw new Error(`--path must be fused or composite, got ${opts.path}`);
  const core = require('@vitkit/core');
  const { AdamW } = require('@vitkit/trainer');
  const { tf, ADAMW_KERNEL } = core;
  const backend = await setUpBackend(core, { backend: opts.backend, threads: Number(opts.threads), kernels: 'on' });
  const registered = tf.getKernel(ADAMW_KERNEL, tf.getBackend()) != null;
  if (opts.path === 'fused' && !registered) throw new Error(`--path fused: backend ${tf.getBackend()} has no ${ADAMW_KERNEL} kernel`);
  if (opts.path === 'composite' && registered) tf.unregisterKernel(ADAMW_KERNEL, tf.getBackend());
  const variable = (init) => {
    const v = tf.variable(init, false);
    init.dispose(); // tf.variable shares init's data and leaves init registered
    return v;
  };
  const params = vitSmallShapes().map(([name, shape, decay]) => ({ name, variable: variable(tf.randomNormal(shape, 0, 0.02)), decay }));
  const grads = new Map(params.map((p) => [p.name, tf.randomNormal(p.variable.shape, 0, 1e-3)]));
  const opt = new AdamW(params, { weightDecay: 0.05 });
  const tensorsBefore = tf.memory().numTensors;
  const stepMs = [];
  for (let i = 0; i < Number(opts.warmup) + Number(opts.steps); i++) {
    const t0 = performance.now();
    opt.step(grads, 1e-3);
    // the step is synchronous on cpu and native; on wasm this read waits for it as well
    params[params.length - 1].variable.dataSync();
    if (i >= Number(opts.warmup)) stepMs.push(performance.now() - t0);
  }
  const count = params.reduce((n, p) => n + p.variable.size, 0);
  out({
    bench: 'adamw-step',
    path: opts.path,
    ...backend,
    params: count,
    tensors: params.length,
    stepMsMedian: +median(stepMs).toFixed(2),
    stepMsMin: +Math.min(...stepMs).toFixed(2),
    stepMsMax: +Math.max(...stepMs).toFixed(2),
    // slots are created on the first step (warm-up), so every later step leaves the tensor count unchanged
    tensorsLeaked: tf.memory().numTensors - tensorsBefore - 2 * params.length,
  });
  opt.dispose();
  params.forEach((p) => p.variable.dispose());
  grads.forEach((g) => g.dispose());
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
