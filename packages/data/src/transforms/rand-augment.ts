import { HostImage, makeImage } from '../image';
import type { Rng } from '../rng';
import type { Transform, TransformContext } from './types';

/**
 * RandAugment (Cubuk et al.) as timm implements it (`rand-m9-mstd0.5-inc1`, the DeiT recipe): `numOps` ops drawn
 * with replacement, each applied with probability `prob` at a magnitude drawn from N(magnitude, magnitudeStd)
 * clipped to [0, 10], with the "increasing" variants (higher magnitude = stronger for every op). Operates on
 * float [0, 1] images; 8-bit ops (posterize, solarize, equalize) quantise to 0..255 first. Geometric ops fill
 * uncovered pixels with the normalisation mean (timm fills with the ImageNet mean colour).
 */

const MAX_LEVEL = 10;

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function to8(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v * 255)));
}

function mapPixels(img: HostImage, f: (v: number) => number): HostImage {
  const out = makeImage(img.height, img.width, img.channels);
  for (let i = 0; i < img.data.length; i++) out.data[i] = f(img.data[i]);
  return out;
}

export function invert(img: HostImage): HostImage {
  return mapPixels(img, (v) => 1 - v);
}

/** PIL `ImageOps.posterize`: keep the top `bits` bits of each 8-bit value. */
export function posterize(img: HostImage, bits: number): HostImage {
  if (bits >= 8) return img;
  const mask = ~(2 ** (8 - Math.max(0, bits)) - 1) & 0xff;
  return mapPixels(img, (v) => (to8(v) & mask) / 255);
}

/** PIL `ImageOps.solarize`: 8-bit values `>= threshold` are inverted. */
export function solarize(img: HostImage, threshold: number): HostImage {
  return mapPixels(img, (v) => {
    const q = to8(v);
    return (q >= threshold ? 255 - q : q) / 255;
  });
}

/** timm `solarize_add`: values below `threshold` get `add` (8-bit units), clipped at 255. */
export function solarizeAdd(img: HostImage, add: number, threshold = 128): HostImage {
  return mapPixels(img, (v) => {
    const q = to8(v);
    return (q < threshold ? Math.min(255, q + add) : q) / 255;
  });
}

/** Per-channel stretch of [min, max] to [0, 1] (PIL `autocontrast` without cutoff). */
export function autoContrast(img: HostImage): HostImage {
  const c = img.channels;
  const out = makeImage(img.height, img.width, c, img.data.slice());
  for (let k = 0; k < c; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = k; i < img.data.length; i += c) {
      lo = Math.min(lo, img.data[i]);
      hi = Math.max(hi, img.data[i]);
    }
    if (hi <= lo) continue;
    const s = 1 / (hi - lo);
    for (let i = k; i < img.data.length; i += c) out.data[i] = (img.data[i] - lo) * s;
  }
  return out;
}

/** PIL `ImageOps.equalize`, per channel on 8-bit values. */
export function equalize(img: HostImage): HostImage {
  const c = img.channels;
  const out = makeImage(img.height, img.width, c, img.data.slice());
  for (let k = 0; k < c; k++) {
    const hist = new Int32Array(256);
    for (let i = k; i < img.data.length; i += c) hist[to8(img.data[i])]++;
    let last = 255;
    while (last > 0 && hist[last] === 0) last--;
    let total = 0;
    for (let v = 0; v < 256; v++) total += hist[v];
    const step = Math.floor((total - hist[last]) / 255);
    if (step === 0) continue;
    const lut = new Float32Array(256);
    let n = Math.floor(step / 2);
    for (let v = 0; v < 256; v++) {
      lut[v] = Math.min(255, Math.floor(n / step)) / 255;
      n += hist[v];
    }
    for (let i = k; i < img.data.length; i += c) out.data[i] = lut[to8(img.data[i])];
  }
  return out;
}

/** Luma (ITU-R 601, as PIL's "L" conversion) of an RGB image; the image itself when it has one channel. */
function luma(img: HostImage): Float32Array {
  const n = img.height * img.width;
  const out = new Float32Array(n);
  if (img.channels < 3) {
    for (let i = 0; i < n; i++) out[i] = img.data[i * img.channels];
    return out;
  }
  for (let i = 0; i < n; i++) {
    const q = i * img.channels;
    out[i] = 0.299 * img.data[q] + 0.587 * img.data[q + 1] + 0.114 * img.data[q + 2];
  }
  return out;
}

/** PIL `ImageEnhance`: `degenerate + factor * (img - degenerate)`, clipped. */
function blend(img: HostImage, degenerate: (i: number, k: number) => number, factor: number): HostImage {
  const c = img.channels;
  const out = makeImage(img.height, img.width, c);
  for (let i = 0; i < img.height * img.width; i++) {
    for (let k = 0; k < c; k++) {
      const d = degenerate(i, k);
      out.data[i * c + k] = clip01(d + factor * (img.data[i * c + k] - d));
    }
  }
  return out;
}

export function brightness(img: HostImage, factor: number): HostImage {
  return blend(img, () => 0, factor);
}

export function contrast(img: HostImage, factor: number): HostImage {
  const l = luma(img);
  let mean = 0;
  for (const v of l) mean += v;
  mean /= l.length;
  return blend(img, () => mean, factor);
}

/** Saturation: blend with the grey image. Identity on single-channel images. */
export function color(img: HostImage, factor: number): HostImage {
  if (img.channels < 3) return img;
  const l = luma(img);
  return blend(img, (i) => l[i], factor);
}

/** PIL `ImageEnhance.Sharpness`: blend with the SMOOTH-filtered image (border pixels unchanged). */
export function sharpness(img: HostImage, factor: number): HostImage {
  const { height: h, width: w, channels: c, data } = img;
  const smooth = data.slice();
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) s += data[((y + dy) * w + (x + dx)) * c + k] * (dx === 0 && dy === 0 ? 5 : 1);
        }
        smooth[(y * w + x) * c + k] = s / 13;
      }
    }
  }
  return blend(img, (i, k) => smooth[i * c + k], factor);
}

/**
 * PIL `Image.transform(AFFINE)`: the output pixel centred at `(x, y)` samples the input at
 * `(a x + b y + c, d x + e y + f)`, bilinearly; samples outside the image take `fill`.
 */
export function affine(img: HostImage, m: readonly number[], fill: readonly number[]): HostImage {
  const [a, b, c0, d, e, f0] = m;
  const { height: h, width: w, channels: c, data } = img;
  const out = makeImage(h, w, c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xc = x + 0.5;
      const yc = y + 0.5;
      const sx = a * xc + b * yc + c0;
      const sy = d * xc + e * yc + f0;
      const o = (y * w + x) * c;
      if (sx < 0 || sy < 0 || sx >= w || sy >= h) {
        for (let k = 0; k < c; k++) out.data[o + k] = fill[fill.length === 1 ? 0 : k];
        continue;
      }
      const fx = Math.max(0, sx - 0.5);
      const fy = Math.max(0, sy - 0.5);
      const x0 = Math.min(Math.floor(fx), w - 1);
      const y0 = Math.min(Math.floor(fy), h - 1);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const tx = fx - x0;
      const ty = fy - y0;
      for (let k = 0; k < c; k++) {
        const p00 = data[(y0 * w + x0) * c + k];
        const p01 = data[(y0 * w + x1) * c + k];
        const p10 = data[(y1 * w + x0) * c + k];
        const p11 = data[(y1 * w + x1) * c + k];
        const top = p00 + (p01 - p00) * tx;
        const bot = p10 + (p11 - p10) * tx;
        out.data[o + k] = top + (bot - top) * ty;
      }
    }
  }
  return out;
}

/** PIL `Image.rotate(degrees)` (counter-clockwise, about the centre, same size). */
export function rotate(img: HostImage, degrees: number, fill: readonly number[]): HostImage {
  const t = -(degrees * Math.PI) / 180;
  const cx = img.width / 2;
  const cy = img.height / 2;
  const a = Math.cos(t);
  const b = Math.sin(t);
  const d = -Math.sin(t);
  const e = Math.cos(t);
  const c = a * -cx + b * -cy + cx;
  const f = d * -cx + e * -cy + cy;
  return affine(img, [a, b, c, d, e, f], fill);
}

export type RandAugmentOp =
  | 'AutoContrast'
  | 'Equalize'
  | 'Invert'
  | 'Rotate'
  | 'Posterize'
  | 'Solarize'
  | 'SolarizeAdd'
  | 'Color'
  | 'Contrast'
  | 'Brightness'
  | 'Sharpness'
  | 'ShearX'
  | 'ShearY'
  | 'TranslateXRel'
  | 'TranslateYRel';

/** timm's `_RAND_INCREASING_TRANSFORMS`. */
export const RAND_AUGMENT_OPS: readonly RandAugmentOp[] = [
  'AutoContrast',
  'Equalize',
  'Invert',
  'Rotate',
  'Posterize',
  'Solarize',
  'SolarizeAdd',
  'Color',
  'Contrast',
  'Brightness',
  'Sharpness',
  'ShearX',
  'ShearY',
  'TranslateXRel',
  'TranslateYRel',
];

/** Applies one op at magnitude `m` (0..10); `negate` flips the sign of signed ops. */
export function applyRandAugmentOp(op: RandAugmentOp, img: HostImage, m: number, negate: boolean, fill: readonly number[]): HostImage {
  const lvl = m / MAX_LEVEL;
  const sgn = negate ? -1 : 1;
  const enhance = 1 + sgn * lvl * 0.9;
  switch (op) {
    case 'AutoContrast':
      return autoContrast(img);
    case 'Equalize':
      return equalize(img);
    case 'Invert':
      return invert(img);
    case 'Rotate':
      return rotate(img, sgn * lvl * 30, fill);
    case 'Posterize':
      return posterize(img, 4 - Math.trunc(lvl * 4));
    case 'Solarize':
      return solarize(img, 256 - Math.trunc(lvl * 256));
    case 'SolarizeAdd':
      return solarizeAdd(img, Math.trunc(lvl * 110));
    case 'Color':
      return color(img, enhance);
    case 'Contrast':
      return contrast(img, enhance);
    case 'Brightness':
      return brightness(img, enhance);
    case 'Sharpness':
      return sharpness(img, enhance);
    case 'ShearX':
      return affine(img, [1, sgn * lvl * 0.3, 0, 0, 1, 0], fill);
    case 'ShearY':
      return affine(img, [1, 0, 0, sgn * lvl * 0.3, 1, 0], fill);
    case 'TranslateXRel':
      return affine(img, [1, 0, sgn * lvl * 0.45 * img.width, 0, 1, 0], fill);
    case 'TranslateYRel':
      return affine(img, [1, 0, 0, 0, 1, sgn * lvl * 0.45 * img.height], fill);
    default:
      throw new Error(`rand-augment: unknown op ${String(op)}`);
  }
}

export class RandAugment implements Transform {
  readonly name = 'rand-augment';
  constructor(
    readonly numOps = 2,
    readonly magnitude = 9,
    readonly magnitudeStd = 0.5,
    readonly prob = 0.5,
    readonly ops: readonly RandAugmentOp[] = RAND_AUGMENT_OPS,
  ) {}

  /** The ops one call would apply, with their magnitudes and signs (for inspection and tests). */
  plan(rng: Rng): Array<{ op: RandAugmentOp; magnitude: number; negate: boolean }> {
    const out: Array<{ op: RandAugmentOp; magnitude: number; negate: boolean }> = [];
    for (let i = 0; i < this.numOps; i++) {
      const op = rng.choice(this.ops);
      if (this.prob < 1 && rng.random() > this.prob) continue;
      let m = this.magnitude;
      if (this.magnitudeStd === Infinity) m = rng.uniform(0, m);
      else if (this.magnitudeStd > 0) m = rng.normal(m, this.magnitudeStd);
      m = Math.max(0, Math.min(MAX_LEVEL, m));
      out.push({ op, magnitude: m, negate: rng.random() < 0.5 });
    }
    return out;
  }

  apply(img: HostImage, ctx: TransformContext): HostImage {
    const fill = Array.from({ length: img.channels }, (_, k) => ctx.mean[ctx.mean.length === 1 ? 0 : k]);
    let out = img;
    for (const step of this.plan(ctx.rng)) out = applyRandAugmentOp(step.op, out, step.magnitude, step.negate, fill);
    return out;
  }
}
