import { tf } from '@vitkit/core';
import type { BatchSource, DataFactory, Dataset, LoaderPosition, RunData } from '../data';
import type { Batch } from '../data';

/** mulberry32 seeded from a hash of integers: a deterministic stream per (seed, epoch, ...). */
function rng(...parts: number[]): () => number {
  let h = 0x811c9dc5;
  for (const p of parts) h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
  let s = h;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A learnable synthetic image set: class c lights up the rows y with y mod numClasses = c (plus noise), so a tiny
 * model separates the classes within a few steps. Deterministic per index.
 */
export class SyntheticDataset implements Dataset {
  readonly name = 'synthetic';
  readonly classNames: string[];
  readonly shape: readonly [number, number, number];
  readonly stats = { mean: [0.3], std: [0.4] };

  constructor(
    readonly length: number,
    readonly numClasses = 3,
    size = 8,
    channels = 1,
    readonly seed = 0,
  ) {
    this.shape = [size, size, channels];
    this.classNames = Array.from({ length: numClasses }, (_, i) => `class${i}`);
    this.stats = { mean: new Array(channels).fill(0.3), std: new Array(channels).fill(0.4) };
  }

  async get(index: number) {
    return this.getSync(index);
  }

  getSync(index: number) {
    const [h, w, c] = this.shape;
    const label = index % this.numClasses;
    const r = rng(this.seed, index, 7);
    const image = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++) {
      const on = y % this.numClasses === label;
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) image[(y * w + x) * c + k] = (on ? 0.8 : 0.1) + 0.2 * r();
    }
    return { image, label };
  }
}

/** A deterministic loader: shuffled per epoch from (seed, epoch), batches by position, one-hot targets. */
export class SyntheticLoader implements BatchSource {
  readonly batchesPerEpoch: number;

  constructor(
    readonly ds: SyntheticDataset,
    readonly batchSize: number,
    readonly options: { shuffle?: boolean; seed?: number; dropLast?: boolean } = {},
  ) {
    const n = ds.length / batchSize;
    this.batchesPerEpoch = options.dropLast === false ? Math.ceil(n) : Math.floor(n);
  }

  order(epoch: number): number[] {
    const idx = [...Array(this.ds.length).keys()];
    if (this.options.shuffle === false) return idx;
    const r = rng(this.options.seed ?? 0, epoch, 1);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx;
  }

  async *iterate(from: LoaderPosition): AsyncGenerator<Batch & { position: LoaderPosition }> {
    let { epoch, batch } = from;
    for (;;) {
      const order = this.order(epoch);
      for (; batch < this.batchesPerEpoch; batch++) {
        const ids = order.slice(batch * this.batchSize, (batch + 1) * this.batchSize);
        const [h, w, c] = this.ds.shape;
        const x = new Float32Array(ids.length * h * w * c);
        const labels = new Int32Array(ids.length);
        ids.forEach((id, i) => {
          const s = this.ds.getSync(id);
          for (let k = 0; k < s.image.length; k++) x[i * s.image.length + k] = (s.image[k] - 0.3) / 0.4;
          labels[i] = s.label;
        });
        const yv = new Float32Array(ids.length * this.ds.numClasses);
        labels.forEach((l, i) => (yv[i * this.ds.numClasses + l] = 1));
        yield {
          x: tf.tensor4d(x, [ids.length, h, w, c]),
          y: tf.tensor2d(yv, [ids.length, this.ds.numClasses]),
          labels,
          indices: Int32Array.from(ids),
          position: { epoch, batch },
        };
      }
      epoch++;
      batch = 0;
    }
  }
}

/** A DataFactory for tests: synthetic train and test sets, no @vitkit/data needed. */
export function syntheticData(o: { train?: number; test?: number; numClasses?: number; size?: number; channels?: number } = {}): DataFactory {
  return async ({ spec }): Promise<RunData> => {
    const k = o.numClasses ?? 3;
    const train = new SyntheticDataset(o.train ?? 48, k, o.size ?? 8, o.channels ?? 1, 1);
    const test = new SyntheticDataset(o.test ?? 30, k, o.size ?? 8, o.channels ?? 1, 2);
    const testLoader = new SyntheticLoader(test, spec.data.evalBatchSize ?? 16, { shuffle: false, dropLast: false });
    return {
      train: new SyntheticLoader(train, spec.data.batchSize, { seed: spec.seed }),
      evaluation: testLoader,
      evaluationName: 'test',
      test: testLoader,
      numClasses: k,
      classNames: train.classNames,
      trainSize: train.length,
      normalize: { mean: [0.3], std: [0.4] },
      shape: train.shape,
    };
  };
}
