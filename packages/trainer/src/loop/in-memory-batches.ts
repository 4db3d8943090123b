import { tf } from '@vitkit/core';
import type { LoaderPosition } from '@vitkit/data';
import type { BatchSource } from './batch-source';
import type { TaskBatch } from '../task/trainable';

/** Images and labels held in memory (what a page has after decoding its pictures); NHWC, already normalised. */
export interface InMemoryData {
  /** `count × height × width × channels` values, image after image. */
  images: Float32Array;
  /** `[height, width, channels]` of one image. */
  shape: readonly [number, number, number];
  /** One class index per image, in `[0, numClasses)`. */
  labels: ArrayLike<number>;
  numClasses: number;
}

export interface InMemoryBatchOptions {
  batchSize: number;
  /** Reorders the images each epoch, the same way for the same seed; omitted = in the given order. */
  shuffleSeed?: number;
}

/** A seeded permutation of `0..n-1` (mulberry32 driving Fisher-Yates): reproducible without Node's crypto. */
function permutation(n: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Batches of in-memory images for the trainer's loop: the `BatchSource` a browser (or a test) uses where Node reads
 * datasets with @vitkit/data. The last, smaller batch of an epoch is dropped so every step sees `batchSize` images.
 */
export class InMemoryBatches implements BatchSource {
  readonly count: number;
  readonly batchesPerEpoch: number;
  private readonly imageSize: number;

  constructor(readonly data: InMemoryData, readonly options: InMemoryBatchOptions) {
    const [h, w, c] = data.shape;
    this.imageSize = h * w * c;
    this.count = data.labels.length;
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError(`InMemoryBatches: batchSize must be an integer >= 1, got ${options.batchSize}`);
    if (data.images.length !== this.count * this.imageSize) {
      throw new RangeError(`InMemoryBatches: images hold ${data.images.length} values, expected ${this.count} labels × ${h}×${w}×${c} = ${this.count * this.imageSize}`);
    }
    for (let i = 0; i < this.count; i++) {
      const l = data.labels[i];
      if (!Number.isInteger(l) || l < 0 || l >= data.numClasses) throw new RangeError(`InMemoryBatches: label ${i} is ${l}, expected an integer in [0, ${data.numClasses})`);
    }
    this.batchesPerEpoch = Math.floor(this.count / options.batchSize);
    if (this.batchesPerEpoch < 1) throw new RangeError(`InMemoryBatches: ${this.count} images make no batch of ${options.batchSize}`);
  }

  /** The images of `epoch` in order of delivery. */
  private order(epoch: number): Int32Array {
    const seed = this.options.shuffleSeed;
    return seed === undefined ? Int32Array.from({ length: this.count }, (_, i) => i) : permutation(this.count, seed + epoch * 0x9e3779b9);
  }

  async *iterate(from: LoaderPosition): AsyncGenerator<TaskBatch & { position: LoaderPosition }> {
    const order = this.order(from.epoch);
    const { batchSize } = this.options;
    const [h, w, c] = this.data.shape;
    for (let b = from.batch; b < this.batchesPerEpoch; b++) {
      const images = new Float32Array(batchSize * this.imageSize);
      const labels = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) {
        const src = order[b * batchSize + i];
        images.set(this.data.images.subarray(src * this.imageSize, (src + 1) * this.imageSize), i * this.imageSize);
        labels[i] = this.data.labels[src];
      }
      const x = tf.tensor4d(images, [batchSize, h, w, c]);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), this.data.numClasses).toFloat() as tf.Tensor2D);
      yield { x, y, labels, position: { epoch: from.epoch, batch: b + 1 } };
    }
  }
}
