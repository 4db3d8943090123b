import { Rng } from '../rng';
import { applyCutmix, applyMixup, cutmixBox, Mix } from './mix';
import type { HostBatch } from './types';

/** B images of HxWx1 where image i is constant i + 1; one-hot targets of label i. */
function batch(b: number, h: number, w: number, k: number, smoothing = 0): HostBatch {
  const x = new Float32Array(b * h * w);
  for (let i = 0; i < b; i++) x.fill(i + 1, i * h * w, (i + 1) * h * w);
  const y = new Float32Array(b * k).fill(smoothing / k);
  for (let i = 0; i < b; i++) y[i * k + i] = 1 - smoothing + smoothing / k;
  return { x, shape: [b, h, w, 1], y, numClasses: k, labels: Int32Array.from({ length: b }, (_, i) => i) };
}

const rowSums = (bt: HostBatch) =>
  Array.from({ length: bt.shape[0] }, (_, i) => bt.y.subarray(i * bt.numClasses, (i + 1) * bt.numClasses).reduce((a, v) => a + v, 0));

describe('mixup', () => {
  it('blends each sample with its mirror and mixes targets with the same lambda (hand-computed)', () => {
    const out = applyMixup(batch(3, 2, 2, 3), 0.75);
    // sample 0 = 0.75 * 1 + 0.25 * 3 = 1.5; sample 1 = 2; sample 2 = 0.75 * 3 + 0.25 * 1 = 2.5.
    expect(Array.from(out.x.subarray(0, 4))).toEqual([1.5, 1.5, 1.5, 1.5]);
    expect(out.x[4]).toBe(2);
    expect(out.x[8]).toBe(2.5);
    expect(Array.from(out.y)).toEqual([0.75, 0, 0.25, 0, 1, 0, 0.25, 0, 0.75]);
    for (const s of rowSums(out)) expect(s).toBeCloseTo(1, 6);
  });
});

describe('cutmix', () => {
  it('pastes the mirror box and sets lambda to 1 - box area / image area', () => {
    const { batch: out, lam } = applyCutmix(batch(2, 4, 4, 2), [1, 3, 0, 2]);
    expect(lam).toBe(1 - 4 / 16);
    // Sample 0 rows 1-2, cols 0-1 come from sample 1 (value 2).
    const s0 = Array.from(out.x.subarray(0, 16));
    expect(s0).toEqual([1, 1, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(out.y)).toEqual([0.75, 0.25, 0.25, 0.75]);
  });

  it('draws boxes of sqrt(1 - lambda) per side, clipped to the image', () => {
    const r = new Rng(4);
    for (let k = 0; k < 200; k++) {
      const lam = r.random();
      const [y0, y1, x0, x1] = cutmixBox(32, 24, lam, r);
      expect(y0).toBeGreaterThanOrEqual(0);
      expect(y1).toBeLessThanOrEqual(32);
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(x1).toBeLessThanOrEqual(24);
      expect(y1 - y0).toBeLessThanOrEqual(Math.trunc(32 * Math.sqrt(1 - lam)) + 1);
      expect(x1 - x0).toBeLessThanOrEqual(Math.trunc(24 * Math.sqrt(1 - lam)) + 1);
    }
  });
});

describe('Mix (timm Mixup, batch mode)', () => {
  it('keeps every smoothed/mixed target row summing to 1, lambda matching the pasted area for cutmix', () => {
    const kinds = new Set<string>();
    const mix = new Mix('mixup-cutmix', { mixupAlpha: 0.8, cutmixAlpha: 1, prob: 1, switchProb: 0.5 });
    for (let s = 0; s < 60; s++) {
      const input = batch(4, 8, 8, 5, 0.1);
      const out = mix.apply(input, new Rng(s));
      kinds.add(mix.last.kind);
      for (const v of rowSums(out)) expect(v).toBeCloseTo(1, 5);
      if (mix.last.kind === 'cutmix') {
        // Fraction of sample 0's pixels that came from sample 3 equals 1 - lambda.
        const fromMirror = Array.from(out.x.subarray(0, 64)).filter((v) => v === 4).length / 64;
        expect(fromMirror).toBeCloseTo(1 - mix.last.lam, 6);
        expect(out.y[0 * 5 + 0]).toBeCloseTo(mix.last.lam * 0.92 + (1 - mix.last.lam) * 0.02, 5);
      } else if (mix.last.kind === 'mixup') {
        expect(out.x[0]).toBeCloseTo(mix.last.lam * 1 + (1 - mix.last.lam) * 4, 5);
      }
    }
    expect(kinds).toEqual(new Set(['mixup', 'cutmix']));
  });

  it('is deterministic per rng seed and honours prob = 0', () => {
    const mix = new Mix('mixup', { mixupAlpha: 0.8, cutmixAlpha: 0, prob: 1, switchProb: 0 });
    expect(mix.apply(batch(4, 2, 2, 4), new Rng(7)).x).toEqual(mix.apply(batch(4, 2, 2, 4), new Rng(7)).x);
    const off = new Mix('mixup', { mixupAlpha: 0.8, cutmixAlpha: 0, prob: 0, switchProb: 0 });
    const b = batch(4, 2, 2, 4);
    expect(off.apply(b, new Rng(1))).toBe(b);
  });

  it('draws lambda ~ Beta(alpha, alpha): mean 0.5 and variance 1 / (4 (2 alpha + 1))', () => {
    const r = new Rng(11);
    const alpha = 0.8;
    const xs = Array.from({ length: 20000 }, () => r.beta(alpha, alpha));
    const m = xs.reduce((a, v) => a + v, 0) / xs.length;
    const v = xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(v - 1 / (4 * (2 * alpha + 1)))).toBeLessThan(0.005);
  });
});
