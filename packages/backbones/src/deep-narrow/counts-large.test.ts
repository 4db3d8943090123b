import { promises as fs } from 'fs';
import * as path from 'path';
import { buildModel, selectBackend, tf } from '@vitkit/core';
import { SHARED, t2tRegistry } from './test-utils';

/** counts.json keys (official variant names) → preset names. */
const PRESETS: Record<string, string> = {
  'T2T-ViT-7': 't2t_vit_7',
  'T2T-ViT-10': 't2t_vit_10',
  'T2T-ViT-12': 't2t_vit_12',
  'T2T-ViT-14': 't2t_vit_14',
  'T2T-ViT-19': 't2t_vit_19',
  'T2T-ViT-24': 't2t_vit_24',
  'T2T-ViT_t-14': 't2t_vit_t_14',
  'T2T-ViT_t-19': 't2t_vit_t_19',
  'T2T-ViT_t-24': 't2t_vit_t_24',
};

interface Ref {
  reference_fn: string;
  params_total: number;
  params_trainable: number;
  macs_matmul_conv: number;
}

let counts: Record<string, Ref>;

beforeAll(async () => {
  await selectBackend('wasm', { quiet: true });
  counts = JSON.parse(await fs.readFile(path.join(SHARED, 'reference/counts.json'), 'utf8'));
});

// The large presets (see counts.test.ts for the small ones).
const LARGE = ['T2T-ViT-19', 'T2T-ViT-24', 'T2T-ViT_t-19', 'T2T-ViT_t-24'];

describe('T2T-ViT presets: parameter counts equal the official code (counts.json)', () => {
  it.each(Object.entries(PRESETS).filter(([v]) => LARGE.includes(v)))('%s (%s)', (variant, preset) => {
    const ref = counts[variant];
    expect(ref.reference_fn).toBe(preset);
    const registry = t2tRegistry();
    const before = tf.memory().numTensors;
    const model = buildModel(registry, preset);
    const c = model.countParameters();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect({ total: c.total, trainable: c.trainable }).toEqual({ total: ref.params_total, trainable: ref.params_trainable });
  });
});

