import { makeImage } from '../image';
import { Rng } from '../rng';
import { applyRandAugmentOp, autoContrast, brightness, color, contrast, equalize, invert, posterize, RandAugment, RAND_AUGMENT_OPS, rotate, solarize, solarizeAdd } from './rand-augment';
import { parseRandAugmentConfig } from './index';

const img = (h: number, w: number, c: number, values: number[]) => makeImage(h, w, c, Float32Array.from(values));
const bytes = (a: { data: Float32Array }) => Array.from(a.data, (v) => Math.round(v * 255));

describe('RandAugment ops (hand-computed)', () => {
  it('invert, posterize, solarize, solarize-add work on 8-bit levels', () => {
    const a = img(1, 4, 1, [0, 100 / 255, 130 / 255, 1]);
    expect(bytes(invert(a))).toEqual([255, 155, 125, 0]);
    // 2 bits kept: mask 0b11000000 -> 100 = 0b01100100 -> 64, 130 -> 128, 255 -> 192.
    expect(bytes(posterize(a, 2))).toEqual([0, 64, 128, 192]);
    expect(bytes(solarize(a, 128))).toEqual([0, 100, 125, 0]);
    expect(bytes(solarizeAdd(a, 50))).toEqual([50, 150, 130, 255]);
  });

  it('autocontrast stretches each channel, brightness scales, contrast/color blend with grey', () => {
    expect(Array.from(autoContrast(img(1, 3, 1, [0.2, 0.4, 0.6])).data).map((v) => +v.toFixed(6))).toEqual([0, 0.5, 1]);
    expect(Array.from(brightness(img(1, 2, 1, [0.2, 0.8]), 0.5).data)).toEqual([0.1, 0.4].map(Math.fround));
    // contrast 0: every pixel becomes the mean luma 0.5.
    expect(Array.from(contrast(img(1, 2, 1, [0.2, 0.8]), 0).data).map((v) => +v.toFixed(6))).toEqual([0.5, 0.5]);
    // color 0: grey = 0.299 R + 0.587 G + 0.114 B.
    const g = color(img(1, 1, 3, [1, 0, 0]), 0);
    expect(Array.from(g.data).map((v) => +v.toFixed(5))).toEqual([0.299, 0.299, 0.299]);
  });

  it('equalize follows PIL: 255 zeros, 255 x 100 and one 200 map to 0, 128, 255', () => {
    const values = [...Array(255).fill(0), ...Array(255).fill(100 / 255), 200 / 255];
    const out = bytes(equalize(img(1, values.length, 1, values)));
    expect([out[0], out[300], out[510]]).toEqual([0, 128, 255]);
  });

  it('rotate(90) turns a 4x4 image counter-clockwise: out[y][x] = in[x][3 - y]', () => {
    const a = img(4, 4, 1, Array.from({ length: 16 }, (_, i) => i));
    const out = rotate(a, 90, [0]);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(out.data[y * 4 + x]).toBeCloseTo(a.data[x * 4 + (3 - y)], 5);
  });

  it('translate by a whole number of pixels shifts and fills with the mean', () => {
    const a = img(1, 10, 1, Array.from({ length: 10 }, (_, i) => i / 10));
    // TranslateXRel shifts by 0.45 * (m / 10) * width pixels: m = 2 / 0.45 gives exactly 2 px on a width of 10.
    const m = 2 / 0.45;
    const out = applyRandAugmentOp('TranslateXRel', a, m, false, [0.5]);
    expect(Array.from(out.data).map((v) => +v.toFixed(5))).toEqual([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.5, 0.5]);
  });
});

describe('RandAugment', () => {
  it('is deterministic for a seed, keeps the shape and the [0, 1] range, and applies every op', () => {
    const r = new Rng(1);
    const a = makeImage(12, 10, 3, Float32Array.from({ length: 360 }, () => r.random()));
    const ra = new RandAugment(2, 9, 0.5, 1);
    for (let s = 0; s < 20; s++) {
      const o1 = ra.apply(a, { rng: new Rng(s), mean: [0.5], std: [0.25] });
      const o2 = ra.apply(a, { rng: new Rng(s), mean: [0.5], std: [0.25] });
      expect(o1.data).toEqual(o2.data);
      expect([o1.height, o1.width, o1.channels]).toEqual([12, 10, 3]);
      expect(o1.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    for (const op of RAND_AUGMENT_OPS) {
      const out = applyRandAugmentOp(op, a, 9, true, [0.5]);
      expect(out.data.length).toBe(a.data.length);
      expect(out.data.every((v) => Number.isFinite(v))).toBe(true);
    }
  });

  it('plans numOps ops with prob and clipped gaussian magnitudes', () => {
    const ra = new RandAugment(3, 9, 0.5, 0.5);
    let applied = 0;
    for (let s = 0; s < 300; s++) {
      const plan = ra.plan(new Rng(s));
      applied += plan.length;
      for (const p of plan) {
        expect(p.magnitude).toBeGreaterThanOrEqual(0);
        expect(p.magnitude).toBeLessThanOrEqual(10);
      }
    }
    expect(applied / 900).toBeGreaterThan(0.42);
    expect(applied / 900).toBeLessThan(0.58);
  });

  it('reads timm config strings', () => {
    expect(parseRandAugmentConfig('rand-m9-mstd0.5-inc1')).toEqual({ magnitude: 9, numOps: 2, magnitudeStd: 0.5, prob: 0.5 });
    expect(parseRandAugmentConfig('rand-m7-n3')).toEqual({ magnitude: 7, numOps: 3, magnitudeStd: 0.5, prob: 0.5 });
    expect(() => parseRandAugmentConfig('rand-m9-inc0')).toThrow(/only the increasing variants/);
    expect(() => parseRandAugmentConfig('auto-m9')).toThrow(/must start with "rand-"/);
  });
});
