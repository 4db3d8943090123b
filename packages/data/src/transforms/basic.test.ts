import { tf } from '@vitkit/core';
import { HostImage, makeImage } from '../image';
import { Rng } from '../rng';
import { CenterCrop, HorizontalFlip, Normalize, RandomCrop, RandomErasing, RandomResizedCrop, randomResizedCropBox, Resize, roundHalfEven, ToChannels } from './basic';
import type { TransformContext } from './types';

const ctx = (seed = 1, mean = [0.5], std = [0.25]): TransformContext => ({ rng: new Rng(seed), mean, std });
const img = (h: number, w: number, c: number, values: number[]) => makeImage(h, w, c, Float32Array.from(values));
const randomImage = (h: number, w: number, c: number, seed = 3): HostImage => {
  const r = new Rng(seed);
  return img(h, w, c, Array.from({ length: h * w * c }, () => r.random()));
};

describe('horizontal-flip', () => {
  it('mirrors columns (hand-computed, 2 channels) when the coin says so, and is identity with p = 0', () => {
    // 2x3 image, 2 channels: pixel (y, x) = [10y + x, -(10y + x)].
    const a = img(2, 3, 2, [0, -0, 1, -1, 2, -2, 10, -10, 11, -11, 12, -12]);
    const flipped = new HorizontalFlip(1).apply(a, ctx());
    expect(Array.from(flipped.data)).toEqual([2, -2, 1, -1, 0, -0, 12, -12, 11, -11, 10, -10]);
    expect(new HorizontalFlip(0).apply(a, ctx())).toBe(a);
  });

  it('flips about half the time with p = 0.5', () => {
    const a = img(1, 2, 1, [0, 1]);
    let flips = 0;
    for (let s = 0; s < 400; s++) if (new HorizontalFlip(0.5).apply(a, ctx(s)).data[0] === 1) flips++;
    expect(flips).toBeGreaterThan(160);
    expect(flips).toBeLessThan(240);
  });
});

describe('resize', () => {
  it('upsamples 2x2 -> 4x4 bilinearly with half-pixel centres (hand-computed)', () => {
    const out = new Resize([4, 4]).apply(img(2, 2, 1, [0, 1, 2, 3]));
    // Along each axis the source coordinates are clamp((o + 0.5) / 2 - 0.5) = 0, 0.25, 0.75, 1(clamped).
    expect(Array.from(out.data)).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  });

  it('matches tf.image.resizeBilinear(halfPixelCenters) for up- and downsampling', () => {
    for (const [h, w, oh, ow] of [
      [5, 7, 3, 4],
      [6, 4, 11, 9],
    ]) {
      const a = randomImage(h, w, 3);
      const ours = new Resize([oh, ow]).apply(a);
      const ref = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(a.data, [1, h, w, 3]), [oh, ow], false, true).dataSync());
      let maxDiff = 0;
      ref.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - ours.data[i]))));
      expect(ours.height).toBe(oh);
      expect(ours.width).toBe(ow);
      expect(maxDiff).toBeLessThan(1e-6);
    }
  });

  it('resizes the shorter side when given one number, and supports nearest', () => {
    const out = new Resize(2).apply(randomImage(4, 9, 1));
    expect([out.height, out.width]).toEqual([2, 4]);
    const tall = new Resize(3).apply(randomImage(8, 4, 1));
    expect([tall.height, tall.width]).toEqual([6, 3]);
    const near = new Resize([4, 4], 'nearest').apply(img(2, 2, 1, [0, 1, 2, 3]));
    expect(Array.from(near.data)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
  });
});

describe('normalize', () => {
  it('computes (x - mean) / std per channel', () => {
    const out = new Normalize([0.5, 0.25], [0.5, 0.125]).apply(img(1, 2, 2, [1, 0.5, 0, 0.25]));
    expect(Array.from(out.data)).toEqual([1, 2, -1, 0]);
    expect(() => new Normalize([0.5, 0.5], [1, 1]).apply(img(1, 1, 3, [0, 0, 0]))).toThrow(/mean has 2 values but the images have 3 channels/);
  });
});

describe('crops', () => {
  it('center-crop takes the middle window (torchvision rounding)', () => {
    const a = img(4, 4, 1, Array.from({ length: 16 }, (_, i) => i));
    expect(Array.from(new CenterCrop(2).apply(a, ctx()).data)).toEqual([5, 6, 9, 10]);
    expect(Array.from(new CenterCrop([1, 3]).apply(a, ctx()).data)).toEqual([8, 9, 10]); // top round(1.5) = 2, left round(0.5) = 0
  });

  it('center-crop pads a smaller image symmetrically, with zeros (torchvision) or the mean colour', () => {
    const a = img(2, 2, 1, [1, 2, 3, 4]);
    const zero = new CenterCrop(4).apply(a, ctx());
    expect(Array.from(zero.data)).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
    const mean = new CenterCrop(4, 'mean').apply(a, ctx(1, [0.5]));
    expect(Array.from(mean.data).filter((v) => v === 0.5)).toHaveLength(12);
    // Deterministic: the eval counterpart of random-crop with padding.
    expect(Array.from(new CenterCrop(4).apply(a, ctx(7)).data)).toEqual(Array.from(zero.data));
  });

  it('random-crop with padding draws offsets in [-p, p] and pads with zeros', () => {
    const a = img(4, 4, 1, Array(16).fill(1));
    const zerosSeen = new Set<number>();
    for (let s = 0; s < 200; s++) {
      const out = new RandomCrop(4, 2).apply(a, ctx(s));
      expect(out.height).toBe(4);
      zerosSeen.add(out.data.filter((v) => v === 0).length);
    }
    expect(zerosSeen.has(0)).toBe(true); // offset (0, 0)
    expect(Math.max(...zerosSeen)).toBe(16 - 4); // offset (±2, ±2): a 2x2 corner of the image remains
  });

  it('random-resized-crop boxes respect the area and aspect ranges and stay inside the image', () => {
    const r = new Rng(5);
    for (let k = 0; k < 300; k++) {
      const [top, left, h, w] = randomResizedCropBox(40, 60, [0.2, 0.6], [0.5, 2], r);
      expect(top).toBeGreaterThanOrEqual(0);
      expect(left).toBeGreaterThanOrEqual(0);
      expect(top + h).toBeLessThanOrEqual(40);
      expect(left + w).toBeLessThanOrEqual(60);
      const area = (h * w) / 2400;
      expect(area).toBeGreaterThan(0.2 * 0.85);
      expect(area).toBeLessThan(0.6 * 1.15);
      expect(w / h).toBeGreaterThan(0.5 * 0.8);
      expect(w / h).toBeLessThan(2 * 1.25);
    }
    // Impossible ranges fall back to a centred crop of the allowed aspect.
    expect(randomResizedCropBox(10, 40, [1, 1], [1, 1], r)).toEqual([0, 15, 10, 10]);
  });

  it('random-resized-crop with scale [1, 1], ratio [1, 1] on a square image is the identity resize', () => {
    const a = randomImage(6, 6, 3);
    const out = new RandomResizedCrop(6, [1, 1], [1, 1]).apply(a, ctx());
    expect(Array.from(out.data)).toEqual(Array.from(a.data));
    const up = new RandomResizedCrop([12, 12], [1, 1], [1, 1]).apply(a, ctx());
    expect(Array.from(up.data)).toEqual(Array.from(new Resize([12, 12]).apply(a).data));
  });
});

describe('random-erasing', () => {
  it('const mode fills one rectangle of 2%..33% of the area with the mean (0 after normalisation)', () => {
    const areas: number[] = [];
    for (let s = 0; s < 100; s++) {
      const out = new RandomErasing(1, [0.02, 1 / 3], [0.3, 1 / 0.3], 'const').apply(img(32, 32, 1, Array(1024).fill(1)), ctx(s, [0.5]));
      const erased: Array<[number, number]> = [];
      out.data.forEach((v, i) => v === 0.5 && erased.push([Math.floor(i / 32), i % 32]));
      expect(out.data.every((v) => v === 1 || v === 0.5)).toBe(true);
      if (!erased.length) continue;
      const ys = erased.map((p) => p[0]);
      const xs = erased.map((p) => p[1]);
      const h = Math.max(...ys) - Math.min(...ys) + 1;
      const w = Math.max(...xs) - Math.min(...xs) + 1;
      expect(h * w).toBe(erased.length); // a full rectangle
      areas.push(erased.length / 1024);
    }
    expect(areas.length).toBeGreaterThan(90);
    expect(Math.min(...areas)).toBeGreaterThan(0.02 * 0.5);
    expect(Math.max(...areas)).toBeLessThan(0.34 * 1.3);
  });

  it('pixel mode gives N(0, 1) noise in the normalised box; p = 0 leaves the image alone', () => {
    const mean = [0.4, 0.5, 0.6];
    const std = [0.2, 0.25, 0.3];
    const a = img(64, 64, 3, Array(64 * 64 * 3).fill(2));
    const out = new RandomErasing(1, [0.3, 0.33], [1, 1], 'pixel').apply(a, ctx(9, mean, std));
    const z: number[] = [];
    out.data.forEach((v, i) => {
      if (v !== 2) z.push((v - mean[i % 3]) / std[i % 3]);
    });
    expect(z.length).toBeGreaterThan(0.29 * 4096 * 3);
    const m = z.reduce((x, y) => x + y, 0) / z.length;
    const sd = Math.sqrt(z.reduce((x, y) => x + (y - m) ** 2, 0) / z.length);
    expect(Math.abs(m)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    expect(new RandomErasing(0).apply(a, ctx())).toBe(a);
  });
});

describe('channels', () => {
  it('repeats grey into RGB and takes the 601 luma of RGB', () => {
    expect(Array.from(new ToChannels(3).apply(img(1, 2, 1, [0.25, 1])).data)).toEqual([0.25, 0.25, 0.25, 1, 1, 1]);
    const grey = new ToChannels(1).apply(img(1, 1, 3, [1, 0.5, 0]));
    expect(grey.data[0]).toBeCloseTo(0.299 + 0.587 * 0.5, 6);
    const same = img(1, 1, 3, [1, 2, 3]);
    expect(new ToChannels(3).apply(same)).toBe(same);
  });

  it('rounds halves to even like Python (torchvision crop offsets)', () => {
    expect([0.5, 1.5, 2.5, 2.4, 2.6, 3].map(roundHalfEven)).toEqual([0, 2, 2, 2, 3, 3]);
  });
});
