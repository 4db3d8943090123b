// Test helpers: run the same computation on the cpu backend (the reference) and on native, from the same input
// values, and compare outputs and gradients.
import * as tf from '@tensorflow/tfjs';
import { loadAddon } from '../addon';
import { registerNativeBackend } from '../register';

/** Deterministic values in [-scale, scale) (mulberry32), independent of any backend's RNG. */
export function values(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

export type Inputs = Array<{ shape: number[]; seed: number; scale?: number }>;

/** Outputs of `f` and the gradients of Σ f(x)·R (R fixed) with respect to every input, as plain arrays. */
function evaluate(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Inputs): { y: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(values(i.shape.reduce((a, b) => a * b, 1), i.seed, i.scale ?? 1), i.shape));
    const y = f(...xs);
    const r = tf.tensor(values(y.size, 99), y.shape);
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), r)))(xs);
    return { y: y.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

/** Largest difference (relative to the reference's largest magnitude) between native and cpu, over y and every gradient. */
export async function nativeVsCpu(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Inputs, withGrads = true): Promise<number> {
  await tf.setBackend('cpu');
  const ref = withGrads ? evaluate(f, inputs) : { y: tf.tidy(() => f(...inputs.map((i) => tf.tensor(values(i.shape.reduce((a, b) => a * b, 1), i.seed, i.scale ?? 1), i.shape))).dataSync() as Float32Array), grads: [] };
  await tf.setBackend('native');
  const got = withGrads ? evaluate(f, inputs) : { y: tf.tidy(() => f(...inputs.map((i) => tf.tensor(values(i.shape.reduce((a, b) => a * b, 1), i.seed, i.scale ?? 1), i.shape))).dataSync() as Float32Array), grads: [] };
  let worst = maxRelDiff(got.y, ref.y);
  ref.grads.forEach((g, i) => (worst = Math.max(worst, maxRelDiff(got.grads[i], g))));
  return worst;
}

/** Registers the native backend for a test file; fails (never skips) when the addon is missing, with the reason. */
export async function requireNative(): Promise<void> {
  const r = await registerNativeBackend();
  if (!r.ok) throw new Error(r.reason);
  (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;
}

/** Where the addon is not built (no compiler or OpenBLAS): what a suite checks instead of its kernels. */
function describeFallback(name: string): void {
  describe(`${name}: the addon is not built here, so the engine must refuse clearly`, () => {
    it('registerNativeBackend refuses with the reason and how to get the engine (vitkit then runs on wasm)', async () => {
      const r = await registerNativeBackend();
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/^native engine unavailable: .+; to get it: /);
    });
  });
}

/**
 * A suite of native kernel tests where the addon is built; where it genuinely is not, the fallback contract instead
 * (nothing is skipped). CI builds the addon and sets VITKIT_REQUIRE_NATIVE=1, so there a missing addon fails the
 * suite (in requireNative).
 */
export function describeNative(name: string, suite: () => void): void {
  if (loadAddon().ok || process.env.VITKIT_REQUIRE_NATIVE === '1') describe(name, suite);
  else describeFallback(name);
}
