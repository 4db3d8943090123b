// AdamW gives the same parameters on every engine as on cpu (the reference): on native through the fused
// ADAMW_KERNEL, elsewhere through the composite tfjs ops.
import { tf, ADAMW_KERNEL } from '@vitkit/core';
import { TEST_BACKENDS, useBackend } from '@vitkit/core/testing';
import { AdamW } from './adamw';
import { OptimParam, variableFrom } from './optimizer';

// A weight of ViT-like shape, a bias of a length that is not a multiple of 8 (the vector loop's tail), no-decay LN gain.
const SHAPES: Record<string, { shape: number[]; decay: boolean }> = {
  'blocks.0.mlp.fc1.weight': { shape: [24, 96], decay: true },
  'blocks.0.mlp.fc1.bias': { shape: [13], decay: false },
  'blocks.0.norm1.weight': { shape: [24], decay: false },
};
const LRS = [1e-2, 5e-3, 2e-2, 1e-2, 3e-3];

/** Deterministic values in [-scale, scale) (an LCG), the same on every backend. */
function seeded(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296 - 0.5) * 2 * scale;
  });
}

/** Five AdamW steps (weight decay, bias correction, changing lr) from fixed values; the final parameters and moments. */
function trainFiveSteps(): Map<string, Float32Array> {
  const names = Object.keys(SHAPES);
  const params: OptimParam[] = names.map((name, i) => {
    const { shape, decay } = SHAPES[name];
    return { name, variable: variableFrom(tf.tensor(seeded(shape.reduce((a, b) => a * b, 1), i + 1), shape)), decay };
  });
  const opt = new AdamW(params, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 });
  LRS.forEach((lr, t) => {
    const grads = new Map(params.map((p, i) => [p.name, tf.tensor(seeded(p.variable.size, 100 * (t + 1) + i, 3), p.variable.shape)] as const));
    opt.step(grads, lr);
    grads.forEach((g) => g.dispose());
  });
  const out = new Map<string, Float32Array>(params.map((p) => [p.name, p.variable.dataSync() as Float32Array]));
  for (const [key, t] of opt.getState().tensors) out.set(key, t.data as Float32Array);
  params.forEach((p) => p.variable.dispose());
  opt.dispose();
  return out;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  const scale = Math.max(1e-6, ...Array.from(b, Math.abs));
  return Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]) / scale));
}

describe.each(TEST_BACKENDS.filter((b) => b !== 'cpu'))('AdamW on %s against cpu', (backend) => {
  let reference: Map<string, Float32Array>;
  beforeAll(async () => {
    await useBackend('cpu');
    reference = trainFiveSteps();
  });

  it('gives the same parameters and moments after 5 steps, and leaves no tensor behind', async () => {
    await useBackend(backend);
    // native registers the fused kernel (so this compares it with the composite update); wasm runs the composite
    expect(tf.getKernel(ADAMW_KERNEL, backend) != null).toBe(backend === 'native');
    const before = tf.memory().numTensors;
    const got = trainFiveSteps();
    expect(tf.memory().numTensors).toBe(before);
    expect([...got.keys()].sort()).toEqual([...reference.keys()].sort());
    // the key travels with the verdict so a failure names the tensor
    for (const [key, ref] of reference) expect([key, maxRelDiff(got.get(key)!, ref) < 1e-6]).toEqual([key, true]);
    // the steps moved the parameters, so the comparison is not of two copies of the start
    expect(maxRelDiff(got.get('blocks.0.mlp.fc1.weight')!, seeded(24 * 96, 1))).toBeGreaterThan(1e-3);
  });
});
