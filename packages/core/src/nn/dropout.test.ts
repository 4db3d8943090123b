import { tf } from '../tf';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { Dropout, DropPath } from './dropout';
import { manualSeed } from './rng';

describe.each(TEST_BACKENDS)('Dropout on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('is the identity in eval mode and with p = 0', () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const d = new Dropout(0.5).eval();
    expect(d.forward(x)).toBe(x);
    const d0 = new Dropout(0);
    expect(d0.training).toBe(true);
    expect(d0.forward(x)).toBe(x);
    x.dispose();
  });

  it('in training zeroes a fraction ≈ p and scales the rest by 1/(1−p), keeping the expectation', () => {
    const p = 0.3;
    const n = 20000;
    const d = new Dropout(p);
    const y = d.forward(tf.ones([100, n / 100]));
    const v = y.dataSync();
    let zeros = 0;
    let sum = 0;
    let badScale = 0;
    for (const a of v) {
      if (a === 0) zeros++;
      else if (!(Math.abs(a - 1 / (1 - p)) < 1e-6)) badScale++;
      sum += a;
    }
    expect(badScale).toBe(0);
    // binomial std of the zero fraction: √(p(1−p)/n) ≈ 0.0032 → 5σ bands
    expect(Math.abs(zeros / n - p)).toBeLessThan(0.016);
    expect(Math.abs(sum / n - 1)).toBeLessThan(0.025);
    y.dispose();
  });

  it('draws from the seeded library stream (manualSeed reproduces the mask) and differs between calls', () => {
    const d = new Dropout(0.5);
    const x = tf.ones([64]);
    manualSeed(7);
    const a = d.forward(x);
    const b = d.forward(x);
    manualSeed(7);
    const c = d.forward(x);
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(b.dataSync())).not.toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b, c]);
  });

  it('back-propagates through the same mask as the forward pass', () => {
    const d = new Dropout(0.4);
    const x = tf.ones([200]);
    let y: Float32Array | undefined;
    const g = tf.grad((t: tf.Tensor) => {
      const out = d.forward(t);
      y = out.dataSync() as Float32Array;
      return tf.sum(out);
    })(x);
    // d(sum(mask·x/keep))/dx = mask/keep = y for x = 1
    expect(Array.from(g.dataSync())).toEqual(Array.from(y!));
    tf.dispose([x, g]);
  });

  it('rejects p outside [0, 1)', () => {
    expect(() => new Dropout(1)).toThrow(/p must be in \[0, 1\), got 1/);
    expect(() => new Dropout(-0.1)).toThrow(RangeError);
    expect(() => new DropPath(1.5)).toThrow(/DropPath: p must be in \[0, 1\)/);
  });
});

describe.each(TEST_BACKENDS)('DropPath on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('is the identity in eval mode and with p = 0', () => {
    const x = tf.ones([4, 3, 2]);
    expect(new DropPath(0.5).eval().forward(x)).toBe(x);
    expect(new DropPath(0).forward(x)).toBe(x);
    x.dispose();
  });

  it('drops whole samples (per-sample mask), a fraction ≈ p, and rescales the kept ones by 1/(1−p)', () => {
    const p = 0.25;
    const b = 800;
    const dp = new DropPath(p);
    const x = tf.tidy(() => tf.add(tf.ones([b, 3, 4]), tf.mul(tf.randomUniform([b, 3, 4], 0, 1, 'float32', 5), 0.5)));
    const y = dp.forward(x);
    expect(y.shape).toEqual([b, 3, 4]);
    const xv = x.dataSync();
    const yv = y.dataSync();
    let dropped = 0;
    let badKept = 0;
    for (let s = 0; s < b; s++) {
      const row = Array.from(yv.subarray(s * 12, (s + 1) * 12));
      const xr = Array.from(xv.subarray(s * 12, (s + 1) * 12));
      if (row.every((v) => v === 0)) {
        dropped++;
      } else {
        // a kept sample is entirely kept and scaled
        if (!row.every((v, i) => Math.abs(v - xr[i] / (1 - p)) < 1e-5)) badKept++;
      }
    }
    expect(badKept).toBe(0);
    // binomial std √(p(1−p)/b) ≈ 0.015 → 5σ
    expect(Math.abs(dropped / b - p)).toBeLessThan(0.077);
    // expectation kept: mean(y) ≈ mean(x)
    const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(yv) / mean(xv) - 1)).toBeLessThan(0.1);
    tf.dispose([x, y]);
  });
});
