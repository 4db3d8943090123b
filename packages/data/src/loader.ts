import { tf } from '@vitkit/core';
import { checkStats, HostImage, normalizeInPlace } from './image';
import { permutation, Rng, STREAM } from './rng';
import { Normalize } from './transforms/basic';
import type { BatchTransform, HostBatch, Transform, TransformContext } from './transforms/types';
import type { Batch, Dataset, LoaderPosition, Sample } from './types';

export interface DataLoaderOptions {
  batchSize: number;
  /** Shuffle every epoch (seeded by (seed, epoch)). Default true. */
  shuffle?: boolean;
  /** Seed of every random choice the loader makes. Default 0. */
  seed?: number;
  /** Per-sample transforms, in order, on [0, 1] HWC images (before normalisation). */
  transforms?: Transform[];
  /** Batch transforms (mixup, cutmix) on the assembled batch, after targets are built. */
  batchTransforms?: BatchTransform[];
  /** Width of the soft targets; default the dataset's class count. */
  numClasses?: number;
  /** Targets `(1 - ε) one_hot + ε / numClasses` (timm/PyTorch convention). Default 0. */
  labelSmoothing?: number;
  /** Drop the last incomplete batch of each epoch. Default false. */
  dropLast?: boolean;
  /**
   * Repeated augmentation (Hoffer et al.; DeiT's `RASampler` on one process): each epoch takes `length / r`
   * shuffled samples, each `r` times in a row (so one batch holds several augmentations of the same image),
   * keeping the epoch length. Default 1 (off).
   */
  repeatedAugmentation?: number;
  /** Normalisation applied last; default the dataset's `stats`; `false` leaves [0, 1] values. */
  normalize?: { mean: readonly number[]; std: readonly number[] } | false;
  /** Batches prepared ahead of the consumer (host arrays only; tensors are made when a batch is handed out). Default 2. */
  prefetch?: number;
  /** Samples read at once while preparing a batch. Default 16. */
  concurrency?: number;
}

/** What the loader hands out: the batch, and `position`, the point to resume from after this batch. */
export interface LoaderBatch extends Batch {
  /** Resume point after this batch: `{ epoch, batch: batchIndex + 1 }`. Pass it to `iterate` to continue exactly here. */
  position: LoaderPosition;
  epoch: number;
  /** Index of this batch within its epoch. */
  batchIndex: number;
  /** True for the last batch of the epoch. */
  endOfEpoch: boolean;
}

/** A host batch plus its provenance. */
export interface PreparedBatch extends HostBatch {
  indices: Int32Array;
  epoch: number;
  batchIndex: number;
}

async function mapLimit<T, R>(items: ArrayLike<T>, limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

/**
 * Deterministic, streaming batches. The sample order of epoch `e` depends only on (seed, e); the random numbers
 * of the sample at position `p` of epoch `e` only on (seed, e, p); those of batch `b`'s batch transforms only on
 * (seed, e, b). A run resumed from a `LoaderPosition` therefore sees exactly the batches an uninterrupted run
 * would. Samples are read on demand (a few batches ahead), never the whole dataset.
 */
export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly numClasses: number;
  readonly labelSmoothing: number;
  readonly dropLast: boolean;
  readonly repeatedAugmentation: number;
  readonly transforms: readonly Transform[];
  readonly batchTransforms: readonly BatchTransform[];
  readonly normalize: { mean: readonly number[]; std: readonly number[] } | false;
  readonly prefetch: number;
  readonly concurrency: number;
  /** Batches in one epoch. */
  readonly batchesPerEpoch: number;
  private cachedOrder: { epoch: number; order: Int32Array } | undefined;

  constructor(readonly dataset: Dataset, opts: DataLoaderOptions) {
    const fail = (m: string): never => {
      throw new Error(`DataLoader(${dataset.name}): ${m}`);
    };
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) fail(`batchSize must be an integer >= 1, got ${opts.batchSize}`);
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? true;
    this.seed = opts.seed ?? 0;
    this.numClasses = opts.numClasses ?? dataset.numClasses;
    if (!Number.isInteger(this.numClasses) || this.numClasses < 1) fail(`numClasses must be an integer >= 1, got ${this.numClasses}`);
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing < 1)) fail(`labelSmoothing must be in [0, 1), got ${this.labelSmoothing}`);
    this.dropLast = opts.dropLast ?? false;
    this.repeatedAugmentation = opts.repeatedAugmentation ?? 1;
    if (!Number.isInteger(this.repeatedAugmentation) || this.repeatedAugmentation < 1) {
      fail(`repeatedAugmentation must be an integer >= 1, got ${this.repeatedAugmentation}`);
    }
    this.transforms = opts.transforms ?? [];
    this.batchTransforms = opts.batchTransforms ?? [];
    this.normalize = opts.normalize === undefined ? dataset.stats : opts.normalize;
    if (this.normalize && this.transforms.some((t) => t instanceof Normalize)) {
      fail('the transforms contain "normalize" and the loader normalises last too; remove one (pass normalize: false to the loader to keep the transform)');
    }
    if (this.normalize) checkStats(`DataLoader(${dataset.name}) normalize`, dataset.shape[2], this.normalize.mean, this.normalize.std);
    this.prefetch = opts.prefetch ?? 2;
    this.concurrency = opts.concurrency ?? 16;
    const n = dataset.length;
    this.batchesPerEpoch = this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    if (this.batchesPerEpoch < 1) fail(`${n} samples make no ${this.dropLast ? 'full ' : ''}batch of ${this.batchSize}`);
  }

  /** Samples per epoch. */
  get length(): number {
    return this.dataset.length;
  }

  /** `[height, width, channels]` of the batches' images (the dataset shape after the transforms). */
  outputShape(): [number, number, number] {
    const [h, w, c] = this.dataset.shape;
    let img: HostImage = { data: new Float32Array(h * w * c), height: h, width: w, channels: c };
    const ctx = this.context(new Rng(0));
    for (const t of this.transforms) img = t.apply(img, ctx);
    return [img.height, img.width, img.channels];
  }

  /** Dataset indices in the order epoch `epoch` visits them. */
  order(epoch: number): Int32Array {
    if (this.cachedOrder?.epoch === epoch) return this.cachedOrder.order;
    const n = this.dataset.length;
    const base = this.shuffle ? permutation(n, Rng.from(this.seed, STREAM.shuffle, epoch)) : Int32Array.from({ length: n }, (_, i) => i);
    let order = base;
    const r = this.repeatedAugmentation;
    if (r > 1) {
      order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = base[Math.floor(i / r)];
    }
    this.cachedOrder = { epoch, order };
    return order;
  }

  /** The position after `pos` with an end-of-epoch position rolled over to the next epoch. */
  normalizePosition(pos: LoaderPosition): LoaderPosition {
    if (!Number.isInteger(pos.epoch) || pos.epoch < 0 || !Number.isInteger(pos.batch) || pos.batch < 0) {
      throw new Error(`DataLoader(${this.dataset.name}): invalid position ${JSON.stringify(pos)}`);
    }
    const epoch = pos.epoch + Math.floor(pos.batch / this.batchesPerEpoch);
    return { epoch, batch: pos.batch % this.batchesPerEpoch };
  }

  private context(rng: Rng): TransformContext {
    const stats = this.normalize || this.dataset.stats;
    return { rng, mean: stats.mean, std: stats.std };
  }

  /** Prepares batch `batchIndex` of `epoch` on the host (deterministic; no tensors). */
  async prepare(epoch: number, batchIndex: number): Promise<PreparedBatch> {
    const ds = this.dataset;
    const order = this.order(epoch);
    const start = batchIndex * this.batchSize;
    const end = Math.min(start + this.batchSize, order.length);
    if (batchIndex < 0 || batchIndex >= this.batchesPerEpoch) throw new RangeError(`batch ${batchIndex} is outside epoch of ${this.batchesPerEpoch} batches`);
    const indices = order.slice(start, end);
    const samples = await mapLimit<number, Sample>(indices, this.concurrency, (i) => ds.get(i));
    const [h0, w0, c0] = ds.shape;
    const images: HostImage[] = samples.map((s, i) => {
      if (s.image.length !== h0 * w0 * c0) {
        throw new Error(`${ds.name}: sample ${indices[i]} has ${s.image.length} values, but the dataset shape is [${ds.shape.join(', ')}]`);
      }
      let img: HostImage = { data: s.image, height: h0, width: w0, channels: c0 };
      const ctx = this.context(Rng.from(this.seed, STREAM.sample, epoch, start + i));
      for (const t of this.transforms) img = t.apply(img, ctx);
      return img;
    });
    const { height: h, width: w, channels: c } = images[0];
    const per = h * w * c;
    const b = images.length;
    const x = new Float32Array(b * per);
    images.forEach((img, i) => {
      if (img.height !== h || img.width !== w || img.channels !== c) {
        throw new Error(
          `${ds.name}: after transforms sample ${indices[i]} is ${img.height}x${img.width}x${img.channels} but sample ${indices[0]} is ${h}x${w}x${c}; ` +
            'add a resize or crop so every sample has the same size',
        );
      }
      x.set(img.data, i * per);
    });
    const k = this.numClasses;
    const labels = Int32Array.from(samples, (s) => s.label);
    const eps = this.labelSmoothing;
    const y = new Float32Array(b * k).fill(eps / k);
    labels.forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0 || l >= k) throw new Error(`${ds.name}: sample ${indices[i]} has label ${l}, outside [0, ${k})`);
      y[i * k + l] = 1 - eps + eps / k;
    });
    let hb: HostBatch = { x, shape: [b, h, w, c], y, numClasses: k, labels };
    if (this.batchTransforms.length) {
      const rng = Rng.from(this.seed, STREAM.batch, epoch, batchIndex);
      for (const t of this.batchTransforms) hb = t.apply(hb, rng);
    }
    if (this.normalize) normalizeInPlace(hb.x, c, this.normalize.mean, this.normalize.std);
    return { ...hb, indices, epoch, batchIndex };
  }

  private toBatch(p: PreparedBatch): LoaderBatch {
    return {
      x: tf.tensor4d(p.x, p.shape),
      y: tf.tensor2d(p.y, [p.shape[0], p.numClasses]),
      labels: p.labels,
      indices: p.indices,
      position: { epoch: p.epoch, batch: p.batchIndex + 1 },
      epoch: p.epoch,
      batchIndex: p.batchIndex,
      endOfEpoch: p.batchIndex === this.batchesPerEpoch - 1,
    };
  }

  private async *run(from: LoaderPosition, count: number): AsyncGenerator<LoaderBatch> {
    let next = this.normalizePosition(from);
    const queue: Array<Promise<PreparedBatch>> = [];
    let scheduled = 0;
    const fill = () => {
      while (queue.length <= this.prefetch && scheduled < count) {
        const { epoch, batch } = next;
        const p = this.prepare(epoch, batch);
        p.catch(() => undefined); // surfaced when awaited; avoids unhandled rejections of abandoned prefetches
        queue.push(p);
        scheduled++;
        next = this.normalizePosition({ epoch, batch: batch + 1 });
      }
    };
    try {
      for (let delivered = 0; delivered < count; delivered++) {
        fill();
        const prepared = await queue.shift()!;
        fill();
        yield this.toBatch(prepared);
      }
    } finally {
      queue.length = 0;
    }
  }

  /**
   * Batches from `from` on, epoch after epoch, until the caller stops. Each batch's tensors belong to the
   * caller (dispose them). `position` on a batch is where to resume after it.
   */
  iterate(from: LoaderPosition = { epoch: 0, batch: 0 }): AsyncGenerator<LoaderBatch> {
    return this.run(from, Infinity);
  }

  /** The batches of one epoch (from `fromBatch`), then stops. */
  epoch(epoch: number, fromBatch = 0): AsyncGenerator<LoaderBatch> {
    return this.run({ epoch, batch: fromBatch }, Math.max(0, this.batchesPerEpoch - fromBatch));
  }
}
