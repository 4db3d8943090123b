import { permutation, Rng, STREAM } from '../rng';
import type { Dataset, Sample } from '../types';

export type Split = 'train' | 'test';

export function checkIndex(ds: { name: string; length: number }, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= ds.length) {
    throw new RangeError(`${ds.name}: index ${index} is out of range [0, ${ds.length})`);
  }
}

/** Scales 8-bit values to a new float image in [0, 1]. */
export function bytesToFloat(bytes: ArrayLike<number>, offset: number, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = bytes[offset + i] / 255;
  return out;
}

/** A dataset held in memory as 8-bit HWC images (MNIST-sized sets). */
export class ByteImageDataset implements Dataset {
  readonly length: number;
  private readonly pixels: number;
  constructor(
    readonly name: string,
    readonly shape: readonly [number, number, number],
    private readonly images: Uint8Array,
    private readonly labels: Uint8Array | Int32Array,
    readonly classNames: readonly string[],
    readonly stats: { mean: readonly number[]; std: readonly number[] },
  ) {
    this.pixels = shape[0] * shape[1] * shape[2];
    this.length = labels.length;
    if (images.length !== this.length * this.pixels) {
      throw new Error(`${name}: ${images.length} pixel values for ${this.length} labels of shape [${shape.join(', ')}]`);
    }
  }

  get numClasses(): number {
    return this.classNames.length;
  }

  label(index: number): number {
    checkIndex(this, index);
    return this.labels[index];
  }

  async get(index: number): Promise<Sample> {
    checkIndex(this, index);
    return { image: bytesToFloat(this.images, index * this.pixels, this.pixels), label: this.labels[index] };
  }
}

/** A view of some of a dataset's samples, in the given order. */
export class SubsetDataset implements Dataset {
  constructor(
    readonly base: Dataset,
    readonly indices: Int32Array,
    readonly name = `${base.name}[subset ${indices.length}]`,
  ) {
    for (const i of indices) checkIndex(base, i);
  }

  get length(): number {
    return this.indices.length;
  }
  get numClasses(): number {
    return this.base.numClasses;
  }
  get classNames(): readonly string[] {
    return this.base.classNames;
  }
  get shape(): readonly [number, number, number] {
    return this.base.shape;
  }
  get stats(): { mean: readonly number[]; std: readonly number[] } {
    return this.base.stats;
  }

  get(index: number): Promise<Sample> {
    checkIndex(this, index);
    return this.base.get(this.indices[index]);
  }
}

/** The first `n` samples (all of them when the set is smaller). */
export function limitDataset(ds: Dataset, n: number): Dataset {
  if (n >= ds.length) return ds;
  return new SubsetDataset(ds, Int32Array.from({ length: n }, (_, i) => i), `${ds.name}[:${n}]`);
}

export interface SplitOptions {
  /** Fraction of samples for validation, in (0, 1). */
  validationFraction: number;
  seed: number;
}

/**
 * A seeded random train/validation split: `round(length * validationFraction)` samples (at least 1) go to
 * validation, the rest to train. Both keep ascending index order (friendly to streaming datasets); the
 * loader shuffles. The same (dataset length, fraction, seed) always gives the same split.
 */
export function splitDataset(ds: Dataset, opts: SplitOptions): { train: Dataset; validation: Dataset } {
  const f = opts.validationFraction;
  if (!(f > 0 && f < 1)) throw new Error(`splitDataset: validationFraction must be in (0, 1), got ${f}`);
  const n = ds.length;
  const nVal = Math.max(1, Math.round(n * f));
  if (nVal >= n) throw new Error(`splitDataset: ${ds.name} has ${n} samples, too few to hold out ${nVal} for validation and keep some for training`);
  const perm = permutation(n, Rng.from(opts.seed, STREAM.split, n));
  const val = perm.slice(0, nVal).sort();
  const train = perm.slice(nVal).sort();
  return {
    train: new SubsetDataset(ds, train, `${ds.name}[train ${train.length}]`),
    validation: new SubsetDataset(ds, val, `${ds.name}[validation ${val.length}]`),
  };
}
