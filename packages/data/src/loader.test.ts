import { createRegistry, tf } from '@vitkit/core';
import { createAugmentation, plugin } from './index';
import { SyntheticDataset } from './datasets';
import { DataLoader, LoaderBatch } from './loader';
import type { HostImage } from './image';
import { HorizontalFlip, Normalize, RandomResizedCrop, Resize } from './transforms';
import type { TransformContext } from './transforms';
import type { Dataset, Sample } from './types';

interface Host {
  x: number[];
  y: number[];
  indices: number[];
  position: { epoch: number; batch: number };
}

async function take(loader: DataLoader, from: { epoch: number; batch: number }, n: number): Promise<Host[]> {
  const out: Host[] = [];
  for await (const b of loader.iterate(from)) {
    out.push({ x: Array.from(b.x.dataSync()), y: Array.from(b.y.dataSync()), indices: Array.from(b.indices), position: b.position });
    tf.dispose([b.x, b.y]);
    if (out.length === n) break;
  }
  return out;
}

/** Counts reads and the most reads in flight at once. */
class CountingDataset implements Dataset {
  reads = 0;
  inFlight = 0;
  maxInFlight = 0;
  constructor(readonly base: Dataset) {}
  get name() {
    return this.base.name;
  }
  get length() {
    return this.base.length;
  }
  get numClasses() {
    return this.base.numClasses;
  }
  get classNames() {
    return this.base.classNames;
  }
  get shape() {
    return this.base.shape;
  }
  get stats() {
    return this.base.stats;
  }
  async get(i: number): Promise<Sample> {
    this.reads++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    return this.base.get(i);
  }
}

describe('DataLoader', () => {
  const registry = createRegistry({ plugins: [plugin] });
  const ds = new SyntheticDataset({ numSamples: 10, numClasses: 4, imageSize: 8, channels: 3, seed: 2 });
  const augment = () =>
    createAugmentation(registry, [
      { type: 'random-resized-crop', size: 6, scale: [0.3, 1] },
      'horizontal-flip',
      { type: 'rand-augment', config: 'rand-m9-mstd0.5-inc1' },
      { type: 'random-erasing', p: 0.5, mode: 'pixel' },
      { type: 'mixup-cutmix' },
    ]);
  const make = (extra: Partial<ConstructorParameters<typeof DataLoader>[1]> = {}) =>
    new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 7, numClasses: 4, labelSmoothing: 0.1, ...augment(), ...extra });

  it('counts batches per epoch with and without dropLast, and shuffles each epoch as a permutation', async () => {
    expect(make().batchesPerEpoch).toBe(3);
    expect(make({ dropLast: true }).batchesPerEpoch).toBe(2);
    const b = await take(make(), { epoch: 0, batch: 0 }, 6);
    expect(b.map((x) => x.indices.length)).toEqual([4, 4, 2, 4, 4, 2]);
    const e0 = b.slice(0, 3).flatMap((x) => x.indices);
    const e1 = b.slice(3).flatMap((x) => x.indices);
    expect([...e0].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...e1].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e0).not.toEqual(e1);
    expect(b.map((x) => x.position)).toEqual([
      { epoch: 0, batch: 1 },
      { epoch: 0, batch: 2 },
      { epoch: 0, batch: 3 },
      { epoch: 1, batch: 1 },
      { epoch: 1, batch: 2 },
      { epoch: 1, batch: 3 },
    ]);
    const plain = await take(new DataLoader(ds, { batchSize: 4, shuffle: false }), { epoch: 3, batch: 0 }, 1);
    expect(plain[0].indices).toEqual([0, 1, 2, 3]);
  });

  it('gives identical batches (order and every augmentation) for the same seed, different ones for another seed', async () => {
    const a = await take(make(), { epoch: 0, batch: 0 }, 5);
    const b = await take(make({ prefetch: 0, concurrency: 1 }), { epoch: 0, batch: 0 }, 5);
    expect(b).toEqual(a);
    const c = await take(make({ seed: 8 }), { epoch: 0, batch: 0 }, 5);
    expect(c.map((x) => x.x)).not.toEqual(a.map((x) => x.x));
  });

  it('resumes from a LoaderPosition exactly where an uninterrupted run would be', async () => {
    const straight = await take(make(), { epoch: 0, batch: 0 }, 8);
    const resumed = await take(make(), straight[3].position, 4);
    expect(resumed).toEqual(straight.slice(4, 8));
    // An end-of-epoch position rolls over to the next epoch.
    const rolled = await take(make(), { epoch: 0, batch: 3 }, 1);
    expect(rolled[0]).toEqual(straight[3]);
  });

  it('builds one-hot / label-smoothed targets whose rows sum to 1 and normalises last', async () => {
    const plain = new DataLoader(ds, { batchSize: 5, shuffle: false, numClasses: 4, labelSmoothing: 0.2, normalize: { mean: [0.5], std: [0.25] } });
    const [b] = await take(plain, { epoch: 0, batch: 0 }, 1);
    for (let i = 0; i < 5; i++) {
      const label = ds.label(i);
      const row = b.y.slice(i * 4, i * 4 + 4);
      row.forEach((v, k) => expect(v).toBeCloseTo(k === label ? 0.8 + 0.05 : 0.05, 6));
    }
    const raw = (await ds.get(2)).image;
    const per = 8 * 8 * 3;
    for (const p of [0, 17, per - 1]) expect(b.x[2 * per + p]).toBeCloseTo((raw[p] - 0.5) / 0.25, 5);
    const mixed = await take(make(), { epoch: 0, batch: 0 }, 3);
    for (const m of mixed) {
      for (let i = 0; i < m.indices.length; i++) expect(m.y.slice(i * 4, i * 4 + 4).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    }
  });

  it('reports the output shape of its transforms', () => {
    expect(make().outputShape()).toEqual([6, 6, 3]);
    expect(new DataLoader(ds, { batchSize: 2, transforms: [new Resize([5, 7])] }).outputShape()).toEqual([5, 7, 3]);
  });

  it('repeats each sample r times in a row with different augmentations (repeated augmentation)', async () => {
    const loader = new DataLoader(ds, { batchSize: 6, seed: 1, repeatedAugmentation: 3, transforms: [new RandomResizedCrop(6), new HorizontalFlip()], normalize: false });
    const [b] = await take(loader, { epoch: 0, batch: 0 }, 1);
    expect(b.indices[0]).toBe(b.indices[1]);
    expect(b.indices[1]).toBe(b.indices[2]);
    expect(b.indices[3]).toBe(b.indices[5]);
    expect(b.indices[0]).not.toBe(b.indices[3]);
    const per = 6 * 6 * 3;
    expect(b.x.slice(0, per)).not.toEqual(b.x.slice(per, 2 * per));
  });

  it('streams: reads only the batches asked for plus the prefetch window, a bounded number at a time', async () => {
    const big = new CountingDataset(new SyntheticDataset({ numSamples: 5000, imageSize: 4 }));
    const loader = new DataLoader(big, { batchSize: 8, prefetch: 1, concurrency: 4 });
    await take(loader, { epoch: 0, batch: 0 }, 3);
    expect(big.reads).toBeLessThanOrEqual((3 + 2) * 8);
    expect(big.maxInFlight).toBeLessThanOrEqual(8);
  });

  it('leaves no tensors behind but the ones it hands out', async () => {
    const before = tf.memory().numTensors;
    const it = make().iterate();
    const first = (await it.next()).value as LoaderBatch;
    expect(tf.memory().numTensors - before).toBe(2);
    expect(first.x.shape).toEqual([4, 6, 6, 3]);
    expect(first.y.shape).toEqual([4, 4]);
    tf.dispose([first.x, first.y]);
    await it.return(undefined);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad setups with clear messages', async () => {
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
    expect(() => new DataLoader(ds, { batchSize: 20, dropLast: true })).toThrow(/10 samples make no full batch of 20/);
    expect(() => new DataLoader(ds, { batchSize: 2, transforms: [new Normalize([0.5], [0.5])] })).toThrow(/normalises last too/);
    // A (bad) transform whose output size varies per sample.
    const oddSize = { name: 'odd-size', apply: (img: HostImage, c: TransformContext) => new Resize([3 + c.rng.int(0, 3), 3]).apply(img) };
    const mixedSizes = new DataLoader(ds, { batchSize: 4, shuffle: false, transforms: [oddSize] });
    await expect(take(mixedSizes, { epoch: 0, batch: 0 }, 5)).rejects.toThrow(/add a resize or crop so every sample has the same size/);
    const narrow = new DataLoader(ds, { batchSize: 10, shuffle: false, numClasses: 1 });
    await expect(take(narrow, { epoch: 0, batch: 0 }, 1)).rejects.toThrow(/has label \d, outside \[0, 1\)/);
    expect(() => createAugmentation(registry, [{ type: 'mixup', alpha: -1 }], 'train.augment')).toThrow(/train\.augment\[0\]\.alpha/);
  });
});
