import { cropResizeBilinear, makeImage } from '../image';
import { hashSeed, Rng, STREAM } from '../rng';
import type { Dataset, Sample } from '../types';
import { checkIndex, Split } from './common';

export interface SyntheticOptions {
  split?: Split;
  numSamples?: number;
  numClasses?: number;
  imageSize?: number | [number, number];
  channels?: number;
  seed?: number;
  /** Standard deviation of the per-pixel noise added to the class pattern. */
  noise?: number;
}

/**
 * A learnable synthetic set for tests and smoke runs: every class has a smooth random pattern (a 4x4 grid of
 * random values upsampled to the image size); a sample is its class pattern plus Gaussian noise. Computed on
 * the fly from (seed, split, index), so nothing is stored and any size is free.
 */
export class SyntheticDataset implements Dataset {
  readonly name: string;
  readonly length: number;
  readonly shape: readonly [number, number, number];
  readonly classNames: readonly string[];
  readonly stats = { mean: [0.5], std: [0.25] };
  private readonly templates: Float32Array[];
  private readonly splitId: number;

  constructor(readonly options: SyntheticOptions = {}) {
    const split = options.split ?? 'train';
    const numClasses = options.numClasses ?? 10;
    const [h, w] = typeof options.imageSize === 'number' ? [options.imageSize, options.imageSize] : (options.imageSize ?? [32, 32]);
    const c = options.channels ?? 3;
    this.name = `synthetic/${split}`;
    this.length = options.numSamples ?? 256;
    this.shape = [h, w, c];
    this.classNames = Array.from({ length: numClasses }, (_, i) => `class_${i}`);
    this.splitId = split === 'train' ? 0 : 1;
    const seed = options.seed ?? 0;
    this.templates = this.classNames.map((_, k) => {
      const rng = Rng.from(seed, STREAM.synthetic, 1000 + k);
      const grid = makeImage(4, 4, c, Float32Array.from({ length: 16 * c }, () => rng.uniform(0.15, 0.85)));
      return cropResizeBilinear(grid, 0, 0, 4, 4, h, w).data;
    });
    this.stats = { mean: Array(c).fill(0.5), std: Array(c).fill(0.25) };
  }

  get numClasses(): number {
    return this.classNames.length;
  }

  label(index: number): number {
    checkIndex(this, index);
    return hashSeed(this.options.seed ?? 0, STREAM.synthetic, this.splitId, index) % this.numClasses;
  }

  async get(index: number): Promise<Sample> {
    const label = this.label(index);
    const rng = Rng.from(this.options.seed ?? 0, STREAM.synthetic, this.splitId, index, 7);
    const noise = this.options.noise ?? 0.1;
    const t = this.templates[label];
    const image = new Float32Array(t.length);
    for (let i = 0; i < t.length; i++) image[i] = Math.min(1, Math.max(0, t[i] + noise * rng.normal()));
    return { image, label };
  }
}
