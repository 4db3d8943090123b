import * as tf from '@tensorflow/tfjs';
import { ADAMW_KERNEL } from '@vitkit/core';
import { registerNativeBackend } from '../register';
import { describeNative, maxRelDiff, requireNative, values } from '../testing/compare';
import { ADAMW, AdamWAttrs } from './adamw';

const HYPER = { lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const STEPS = 5;
// 8·8·3 is a multiple of the vectorised loop's width (8 or 16 floats), 1001 and 37·5 are not (they take the tail);
// 70 000 spans several parallel chunks.
const SHAPES: Array<[string, number[]]> = [[8, 8, 3], [1001], [37, 5], [70_000]].map((s) => [s.join('×'), s]);

type State = { p: Float32Array; m: Float32Array; v: Float32Array };

/** torch.optim.AdamW's step composed from tfjs ops (the composite path of @vitkit/trainer's AdamW), on the active backend. */
function compositeStep(s: tf.Tensor[], g: tf.Tensor, a: AdamWAttrs): tf.Tensor[] {
  const [p, m, v] = s;
  const mNew = tf.add(tf.mul(m, a.beta1), tf.mul(g, 1 - a.beta1));
  const vNew = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
  const w = a.weightDecay !== 0 ? tf.mul(p, 1 - a.lr * a.weightDecay) : p;
  const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(1 - a.beta2 ** a.step)), a.eps);
  return [tf.sub(w, tf.mul(tf.div(mNew, denom), a.lr / (1 - a.beta1 ** a.step))), mNew, vNew];
}

function fusedStep(s: tf.Tensor[], g: tf.Tensor, a: AdamWAttrs): tf.Tensor[] {
  const [param, m, v] = s;
  return tf.engine().runKernel(ADAMW, { param, grad: g, m, v }, a as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

/** STEPS updates from fixed initial values and gradients (a new gradient each step), on the active backend. */
function run(shape: number[], weightDecay: number, step: typeof fusedStep): State {
  const n = shape.reduce((x, y) => x * y, 1);
  return tf.tidy(() => {
    let s = [tf.tensor(values(n, 1), shape), tf.zeros(shape), tf.zeros(shape)];
    for (let t = 1; t <= STEPS; t++) {
      const g = tf.tensor(values(n, 10 + t, 2), shape);
      const next = step(s, g, { ...HYPER, weightDecay, step: t });
      s.forEach((x) => x.dispose());
      s = next;
    }
    const [p, m, v] = s.map((x) => x.dataSync() as Float32Array);
    return { p, m, v };
  });
}

describeNative('native fused AdamW against the composite update on cpu', () => {
  beforeAll(requireNative);

  it('is registered under the name @vitkit/core publishes', () => {
    expect(ADAMW).toBe(ADAMW_KERNEL);
    expect(tf.getKernel(ADAMW_KERNEL, 'native')).toBeDefined();
  });

  it.each(SHAPES)('5 steps with weight decay and bias correction agree to 1e-6 relative on shape %s', async (_, shape) => {
    for (const weightDecay of [0.05, 0]) {
      await tf.setBackend('cpu');
      const ref = run(shape, weightDecay, compositeStep);
      await tf.setBackend('native');
      const got = run(shape, weightDecay, fusedStep);
      expect(maxRelDiff(got.p, ref.p)).toBeLessThan(1e-6);
      expect(maxRelDiff(got.m, ref.m)).toBeLessThan(1e-6);
      expect(maxRelDiff(got.v, ref.v)).toBeLessThan(1e-6);
      // the update moved the parameters (so the comparison is not of two copies of the start)
      expect(maxRelDiff(got.p, values(got.p.length, 1))).toBeGreaterThan(1e-4);
    }
  });

  it('a parameter split over the threads (from 256 K elements) gives the one-thread result bit for bit', async () => {
    await tf.setBackend('native');
    const shape = [300_001];
    try {
      await registerNativeBackend({ threads: 1 });
      const one = run(shape, 0.05, fusedStep);
      await registerNativeBackend({ threads: 3 });
      const three = run(shape, 0.05, fusedStep);
      for (const k of ['p', 'm', 'v'] as const) expect(Buffer.compare(Buffer.from(three[k].buffer), Buffer.from(one[k].buffer))).toBe(0);
      expect(maxRelDiff(three.p, values(three.p.length, 1))).toBeGreaterThan(1e-4);
    } finally {
      await registerNativeBackend({ threads: 2 });
    }
  });

  it('leaves no tensor behind and rejects mismatched shapes and a step below 1, naming them', async () => {
    await tf.setBackend('native');
    const before = tf.memory().numTensors;
    run([33], 0.01, fusedStep);
    expect(tf.memory().numTensors).toBe(before);
    tf.tidy(() => {
      const a = { ...HYPER, weightDecay: 0, step: 1 };
      expect(() => fusedStep([tf.zeros([4]), tf.zeros([4]), tf.zeros([5])], tf.zeros([4]), a)).toThrow(/VitkitAdamW: v has shape \[5\] but param has \[4\]/);
      expect(() => fusedStep([tf.zeros([4]), tf.zeros([4]), tf.zeros([4])], tf.zeros([4]), { ...a, step: 0 })).toThrow(/step must be an integer ≥ 1, got 0/);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
