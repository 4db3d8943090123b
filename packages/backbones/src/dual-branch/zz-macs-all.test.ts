import * as fs from 'fs';
import * as path from 'path';
import { buildModel, countMacs, createRegistry, selectBackend, tf } from '@vitkit/core';
import { registerPatch } from '../../../tokenizers/src/patch';
import { registerConvStem } from '../../../tokenizers/src/conv-stem';
import { registerT2T } from '../../../tokenizers/src/t2t';
import { plugin as fusionPlugin } from '../../../fusion/src';
import { registerDualBranch } from './index';
const COUNTS = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../..', '../shared/reference/counts.json'), 'utf8'));
const V: Array<[string, string]> = [['crossvit_tiny_240', 'CrossViT-Ti'], ['crossvit_small_240', 'CrossViT-S'], ['crossvit_base_240', 'CrossViT-B'], ['crossvit_9_240', 'CrossViT-9'], ['crossvit_15_240', 'CrossViT-15'], ['crossvit_18_240', 'CrossViT-18'], ['crossvit_9_dagger_240', 'CrossViT-9†'], ['crossvit_15_dagger_240', 'CrossViT-15†'], ['crossvit_18_dagger_240', 'CrossViT-18†'], ['crossvit_18_t2t_240', '']];
it('all', async () => {
  await selectBackend('wasm', { quiet: true });
  const r = createRegistry({ plugins: [{ name: 'x', register: (g) => { registerPatch(g); registerConvStem(g); registerT2T(g); registerDualBranch(g); fusionPlugin.register(g); } }] });
  for (const [p, v] of V) {
    const t0 = Date.now();
    const m = buildModel(r, p); m.eval();
    const t1 = Date.now();
    const { macs } = countMacs(() => tf.tidy(() => m.forward(tf.randomNormal([1, 240, 240, 3]) as tf.Tensor4D)).dispose());
    const ref = COUNTS[v];
    console.log(JSON.stringify({ p, params: m.countParameters().total, refParams: ref?.params_total, macs: macs.total, refMacs: ref?.macs_matmul_conv, rel: ref ? (macs.total - ref.macs_matmul_conv) / ref.macs_matmul_conv : null, buildMs: t1 - t0, fwdMs: Date.now() - t1 }));
    m.dispose();
  }
}, 7200000);
