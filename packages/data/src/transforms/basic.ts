import { checkStats, crop, cropResizeBilinear, cropResizeNearest, flipHorizontal, HostImage, makeImage, normalizeInPlace, sizePair } from '../image';
import type { Rng } from '../rng';
import type { Transform, TransformContext } from './types';

export type Interpolation = 'bilinear' | 'nearest';

function resizeWindow(img: HostImage, top: number, left: number, h: number, w: number, outH: number, outW: number, mode: Interpolation): HostImage {
  return mode === 'nearest' ? cropResizeNearest(img, top, left, h, w, outH, outW) : cropResizeBilinear(img, top, left, h, w, outH, outW);
}

/**
 * Resize. `size` as `[h, w]` resizes exactly; a single number resizes the shorter side to it keeping the aspect
 * ratio (torchvision `Resize(int)`). Bilinear uses half-pixel centres without antialiasing.
 */
export class Resize implements Transform {
  readonly name = 'resize';
  constructor(readonly size: number | readonly number[], readonly interpolation: Interpolation = 'bilinear') {}

  outputSize(h: number, w: number): [number, number] {
    if (typeof this.size === 'number') {
      const s = this.size;
      if (h <= w) return [s, Math.floor((s * w) / h)];
      return [Math.floor((s * h) / w), s];
    }
    return sizePair(this.size);
  }

  apply(img: HostImage): HostImage {
    const [oh, ow] = this.outputSize(img.height, img.width);
    if (oh === img.height && ow === img.width) return img;
    return resizeWindow(img, 0, 0, img.height, img.width, oh, ow, this.interpolation);
  }
}

/** Python's `round`: halves go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Centre crop to `size`. A smaller image is padded, with zeros like torchvision's CenterCrop (so `center-crop 32` on
 * 28 px MNIST is the deterministic counterpart of `random-crop 32 padding 2`), or with the dataset mean colour.
 */
export class CenterCrop implements Transform {
  readonly name = 'center-crop';
  constructor(readonly size: number | readonly number[], readonly fill: 'zero' | 'mean' = 'zero') {}

  apply(img: HostImage, ctx: TransformContext): HostImage {
    const [h, w] = sizePair(this.size);
    if (h === img.height && w === img.width) return img;
    // torchvision: top = int(round((H - h) / 2)) with Python's round-half-to-even.
    const top = roundHalfEven((img.height - h) / 2);
    const left = roundHalfEven((img.width - w) / 2);
    return crop(img, top, left, h, w, this.fill === 'mean' ? ctx.mean : [0]);
  }
}

/** Random crop after padding each side by `padding` pixels (the usual CIFAR augmentation: pad 4, crop 32). */
export class RandomCrop implements Transform {
  readonly name = 'random-crop';
  constructor(readonly size: number | readonly number[], readonly padding = 0, readonly fill: 'zero' | 'mean' = 'zero') {}

  apply(img: HostImage, ctx: TransformContext): HostImage {
    const [h, w] = sizePair(this.size);
    const ph = img.height + 2 * this.padding;
    const pw = img.width + 2 * this.padding;
    if (ph < h || pw < w) {
      throw new Error(`random-crop: a ${h}x${w} crop does not fit in a ${img.height}x${img.width} image padded by ${this.padding}`);
    }
    const top = ctx.rng.int(0, ph - h + 1) - this.padding;
    const left = ctx.rng.int(0, pw - w + 1) - this.padding;
    return crop(img, top, left, h, w, this.fill === 'mean' ? ctx.mean : [0]);
  }
}

/** The crop box torchvision's `RandomResizedCrop.get_params` draws: `[top, left, h, w]`. */
export function randomResizedCropBox(
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: Rng,
): [number, number, number, number] {
  const area = height * width;
  const logR = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logR[0], logR[1]));
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return [rng.int(0, height - h + 1), rng.int(0, width - w + 1), h, w];
    }
  }
  const inRatio = width / height;
  let w: number;
  let h: number;
  if (inRatio < Math.min(ratio[0], ratio[1])) {
    w = width;
    h = roundHalfEven(w / Math.min(ratio[0], ratio[1]));
  } else if (inRatio > Math.max(ratio[0], ratio[1])) {
    h = height;
    w = roundHalfEven(h * Math.max(ratio[0], ratio[1]));
  } else {
    w = width;
    h = height;
  }
  return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
}

/** torchvision `RandomResizedCrop`: a random box of `scale` of the area and `ratio` aspect, resized to `size`. */
export class RandomResizedCrop implements Transform {
  readonly name = 'random-resized-crop';
  constructor(
    readonly size: number | readonly number[],
    readonly scale: readonly [number, number] = [0.08, 1],
    readonly ratio: readonly [number, number] = [3 / 4, 4 / 3],
    readonly interpolation: Interpolation = 'bilinear',
  ) {}

  apply(img: HostImage, ctx: TransformContext): HostImage {
    const [oh, ow] = sizePair(this.size);
    const [top, left, h, w] = randomResizedCropBox(img.height, img.width, this.scale, this.ratio, ctx.rng);
    return resizeWindow(img, top, left, h, w, oh, ow, this.interpolation);
  }
}

/** Mirrors left-right with probability `p`. */
export class HorizontalFlip implements Transform {
  readonly name = 'horizontal-flip';
  constructor(readonly p = 0.5) {}

  apply(img: HostImage, ctx: TransformContext): HostImage {
    return ctx.rng.random() < this.p ? flipHorizontal(img) : img;
  }
}

/**
 * `(x - mean) / std` per channel. The `DataLoader` normalises last with the dataset's (or the spec's) statistics,
 * so a transform list normally does not contain this; it is provided for pipelines used outside a loader.
 */
export class Normalize implements Transform {
  readonly name = 'normalize';
  constructor(readonly mean: readonly number[], readonly std: readonly number[]) {}

  apply(img: HostImage): HostImage {
    checkStats('normalize', img.channels, this.mean, this.std);
    const out = makeImage(img.height, img.width, img.channels, img.data.slice());
    normalizeInPlace(out.data, img.channels, this.mean, this.std);
    return out;
  }
}

export type ErasingMode = 'const' | 'rand' | 'pixel';

/**
 * timm `RandomErasing` (Zhong et al.), applied before normalisation: the erased box is filled so that after
 * normalisation it is 0 (`const`), one normal value per channel (`rand`) or per-pixel normal noise (`pixel`),
 * exactly as timm fills the normalised tensor.
 */
export class RandomErasing implements Transform {
  readonly name = 'random-erasing';
  constructor(
    readonly p = 0.25,
    readonly scale: readonly [number, number] = [0.02, 1 / 3],
    readonly ratio: readonly [number, number] = [0.3, 1 / 0.3],
    readonly mode: ErasingMode = 'const',
    readonly count: readonly [number, number] = [1, 1],
  ) {}

  /** Draws the boxes `[top, left, h, w]` (empty when the coin says no). */
  boxes(height: number, width: number, rng: Rng): Array<[number, number, number, number]> {
    const out: Array<[number, number, number, number]> = [];
    if (rng.random() > this.p) return out;
    const area = height * width;
    const count = this.count[0] === this.count[1] ? this.count[0] : rng.int(this.count[0], this.count[1] + 1);
    const logR = [Math.log(this.ratio[0]), Math.log(this.ratio[1])];
    for (let n = 0; n < count; n++) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const target = (rng.uniform(this.scale[0], this.scale[1]) * area) / count;
        const aspect = Math.exp(rng.uniform(logR[0], logR[1]));
        const h = roundHalfEven(Math.sqrt(target * aspect));
        const w = roundHalfEven(Math.sqrt(target / aspect));
        if (w < width && h < height) {
          out.push([rng.int(0, height - h + 1), rng.int(0, width - w + 1), h, w]);
          break;
        }
      }
    }
    return out;
  }

  apply(img: HostImage, ctx: TransformContext): HostImage {
    const boxes = this.boxes(img.height, img.width, ctx.rng);
    if (!boxes.length) return img;
    const c = img.channels;
    const mean = Array.from({ length: c }, (_, k) => ctx.mean[ctx.mean.length === 1 ? 0 : k]);
    const std = Array.from({ length: c }, (_, k) => ctx.std[ctx.std.length === 1 ? 0 : k]);
    const out = makeImage(img.height, img.width, c, img.data.slice());
    for (const [top, left, h, w] of boxes) {
      const perChannel = this.mode === 'rand' ? mean.map((m, k) => m + std[k] * ctx.rng.normal()) : mean;
      for (let y = top; y < top + h; y++) {
        for (let x = left; x < left + w; x++) {
          const q = (y * img.width + x) * c;
          for (let k = 0; k < c; k++) {
            out.data[q + k] = this.mode === 'pixel' ? mean[k] + std[k] * ctx.rng.normal() : perChannel[k];
          }
        }
      }
    }
    return out;
  }
}

/** Converts the channel count: grey to RGB by repetition, RGB to grey by ITU-R 601 luma (PIL "L"); else identity. */
export class ToChannels implements Transform {
  readonly name = 'channels';
  constructor(readonly channels: 1 | 3) {}

  apply(img: HostImage): HostImage {
    const { height: h, width: w, channels: c, data } = img;
    if (c === this.channels) return img;
    const out = makeImage(h, w, this.channels);
    if (c === 1 && this.channels === 3) {
      for (let i = 0; i < h * w; i++) out.data.fill(data[i], i * 3, i * 3 + 3);
      return out;
    }
    if (c === 3 && this.channels === 1) {
      for (let i = 0; i < h * w; i++) out.data[i] = 0.299 * data[i * 3] + 0.587 * data[i * 3 + 1] + 0.114 * data[i * 3 + 2];
      return out;
    }
    throw new Error(`channels: cannot convert ${c} channels to ${this.channels}`);
  }
}
