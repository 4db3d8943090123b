import * as fs from 'fs';
import { buildModel, countMacs, selectBackend, tf } from '@vitkit/core';
import { testRegistry } from '../testing';
import { referencePath } from '@vitkit/core/testing';


const COUNTS = JSON.parse(fs.readFileSync(referencePath('counts.json'), 'utf8')) as Record<
  string,
  { reference_fn: string; params_total: number; macs_matmul_conv: number }
>;

/** Our preset → reference variant (counts.json keys). */
const VARIANTS: Array<[string, string]> = [
  ['crossvit_tiny_240', 'CrossViT-Ti'],
  ['crossvit_small_240', 'CrossViT-S'],
  ['crossvit_base_240', 'CrossViT-B'],
  ['crossvit_9_240', 'CrossViT-9'],
  ['crossvit_15_240', 'CrossViT-15'],
  ['crossvit_18_240', 'CrossViT-18'],
  ['crossvit_9_dagger_240', 'CrossViT-9†'],
  ['crossvit_15_dagger_240', 'CrossViT-15†'],
  ['crossvit_18_dagger_240', 'CrossViT-18†'],
];

describe('crossvit presets: parameter counts and MACs against the official code', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it.each(VARIANTS)('%s has exactly the reference params_total of %s', (preset, variant) => {
    const ref = COUNTS[variant];
    const registry = testRegistry();
    // The official *_224 name is an alias of the same preset.
    expect(registry.preset(ref.reference_fn)?.name).toBe(preset);
    const before = tf.memory().numTensors;
    const model = buildModel(registry, preset);
    const { total, trainable } = model.countParameters();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(total).toBe(ref.params_total);
    expect(trainable).toBe(ref.params_total);
  });

  it('crossvit_9_240 MACs at the 240×240 reference input are within 1% of macs_matmul_conv', () => {
    const registry = testRegistry();
    const preset = registry.preset('crossvit_9_240')!;
    expect(preset.referenceInput).toEqual([3, 240, 240]);
    const model = buildModel(registry, 'crossvit_9_240');
    model.eval();
    const [c, h, w] = preset.referenceInput!;
    const { macs } = countMacs(() => tf.tidy(() => model.forward(tf.randomNormal([1, h, w, c]) as tf.Tensor4D)).dispose());
    model.dispose();
    const ref = COUNTS['CrossViT-9'].macs_matmul_conv;
    console.log(`crossvit_9_240 MACs ${macs.total} vs reference ${ref} (${(((macs.total - ref) / ref) * 100).toFixed(4)}%)`);
    expect(Math.abs(macs.total - ref) / ref).toBeLessThan(0.01);
  });
});
