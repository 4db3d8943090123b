import { loadSegBatch, permutation, Rng } from '@vitkit/data';
import type { LoaderPosition, SegDataset, SegTransform } from '@vitkit/data';
import type { BatchSource } from '../data';
import type { TaskBatch } from '../task/task';

export interface SegmentationLoaderOptions {
  batchSize: number;
  /** Shuffle each epoch (training); evaluation reads the samples in order. */
  shuffle: boolean;
  seed: number;
  /** Applied to image and mask alike (random crop, flip), with random numbers drawn from (seed, epoch, sample). */
  transforms?: readonly SegTransform[];
  /** Drop the last, smaller batch of an epoch (training); evaluation keeps it. */
  dropLast: boolean;
}

/**
 * Image + mask batches of a segmentation dataset, as the trainer's loop reads them: `x` normalised NHWC images and
 * `labels` the label of every pixel (`B·H·W`, 255 = ignored). The order and the augmentation of a batch depend only
 * on (seed, epoch, batch), so iterating from a checkpoint's position yields the batches an uninterrupted run saw.
 */
export class SegmentationLoader implements BatchSource {
  constructor(
    readonly dataset: SegDataset,
    readonly options: SegmentationLoaderOptions,
  ) {
    if (!(options.batchSize >= 1)) throw new RangeError(`SegmentationLoader: batchSize must be ≥ 1, got ${options.batchSize}`);
  }

  get batchesPerEpoch(): number {
    const n = this.dataset.length;
    const bs = this.options.batchSize;
    return this.options.dropLast ? Math.floor(n / bs) : Math.ceil(n / bs);
  }

  /** The dataset indices of an epoch in the order it reads them. */
  private order(epoch: number): Int32Array {
    const n = this.dataset.length;
    return this.options.shuffle ? permutation(n, Rng.from(this.options.seed, epoch, 1)) : Int32Array.from({ length: n }, (_, i) => i);
  }

  /** Batches from `from` on, through the following epochs, until the caller stops. */
  async *iterate(from: LoaderPosition): AsyncGenerator<TaskBatch & { position: LoaderPosition }> {
    const { batchSize: bs, seed, transforms = [] } = this.options;
    const per = this.batchesPerEpoch;
    for (let epoch = from.epoch; ; epoch++) {
      const order = this.order(epoch);
      for (let batch = epoch === from.epoch ? from.batch : 0; batch < per; batch++) {
        const indices = Array.from(order.subarray(batch * bs, Math.min(order.length, (batch + 1) * bs)));
        const b = await loadSegBatch(this.dataset, indices, transforms, seed * 1_000_003 + epoch);
        yield { x: b.x, labels: b.labels, position: { epoch, batch: batch + 1 } };
      }
    }
  }
}
