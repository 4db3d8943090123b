import { buildModel, selectBackend, tf } from '@vitkit/core';
import { PRESETS, readReferenceCounts, t2tRegistry } from './test-utils';
import type { ReferenceCounts } from './test-utils';

let counts: Record<string, ReferenceCounts>;

beforeAll(async () => {
  await selectBackend('wasm', { quiet: true });
  counts = await readReferenceCounts();
});

// Split in two files for time: building a 40-64M-parameter model (random init) takes a while on a shared CPU.
const SMALL = ['T2T-ViT-7', 'T2T-ViT-10', 'T2T-ViT-12', 'T2T-ViT-14', 'T2T-ViT_t-14'];

describe('T2T-ViT presets: parameter counts equal the official code (counts.json)', () => {
  it.each(Object.entries(PRESETS).filter(([v]) => SMALL.includes(v)))('%s (%s)', (variant, preset) => {
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

