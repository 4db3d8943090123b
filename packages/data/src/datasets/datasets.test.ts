import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, SpecError } from '@vitkit/core';
import { plugin } from '../index';
import { createDataset, splitDataset, SyntheticDataset } from './index';

describe('dataset registry and specs', () => {
  const registry = createRegistry({ plugins: [plugin] });

  it('registers every dataset, transform and batch transform under its kind', () => {
    expect(registry.names('dataset')).toEqual(['cifar10', 'cifar100', 'fashion-mnist', 'image-folder', 'mnist', 'synthetic']);
    expect(registry.names('transform')).toEqual([
      'center-crop',
      'channels',
      'horizontal-flip',
      'normalize',
      'rand-augment',
      'random-crop',
      'random-erasing',
      'random-resized-crop',
      'resize',
    ]);
    expect(registry.names('batch-transform')).toEqual(['cutmix', 'mixup', 'mixup-cutmix']);
  });

  it('builds datasets from specs (with limit) and reports errors at the spec path', async () => {
    const ds = await createDataset(registry, { type: 'synthetic', numSamples: 50, numClasses: 3, imageSize: [5, 6], channels: 2 });
    expect([ds.length, ds.numClasses, ...ds.shape]).toEqual([50, 3, 5, 6, 2]);
    const lim = await createDataset(registry, { type: 'mnist', split: 'test', limit: 7 }, 'data.validation');
    expect(lim.length).toBe(7);
    await expect(createDataset(registry, { type: 'mnist', split: 'val' })).rejects.toThrow(/data\.train\.split: "val" is not valid; expected one of train, test/);
    await expect(createDataset(registry, { type: 'imagenet' }, 'data.test')).rejects.toThrow(/data\.test\.type: "imagenet" is not registered as a dataset/);
    await expect(createDataset(registry, { type: 'cifar10', directory: 'x' })).rejects.toBeInstanceOf(SpecError);
    await expect(createDataset(registry, { type: 'synthetic', limit: 0 })).rejects.toThrow(/data\.train\.limit/);
  });

  it('resolves relative folders against baseDir', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-base-'));
    try {
      await expect(createDataset(registry, { type: 'cifar10', dir: 'nowhere' }, 'data.train', { baseDir: base })).rejects.toThrow(
        `folder ${path.join(base, 'nowhere')} does not exist`,
      );
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('splitDataset', () => {
  it('splits into disjoint, complete, seeded parts of the requested size', async () => {
    const ds = new SyntheticDataset({ numSamples: 1001 });
    const a = splitDataset(ds, { validationFraction: 0.1, seed: 3 });
    expect(a.validation.length).toBe(100);
    expect(a.train.length).toBe(901);
    const ids = (d: unknown) => Array.from((d as { indices: Int32Array }).indices);
    const all = new Set([...ids(a.train), ...ids(a.validation)]);
    expect(all.size).toBe(1001);
    const b = splitDataset(ds, { validationFraction: 0.1, seed: 3 });
    expect(ids(b.validation)).toEqual(ids(a.validation));
    const c = splitDataset(ds, { validationFraction: 0.1, seed: 4 });
    expect(ids(c.validation)).not.toEqual(ids(a.validation));
    const s = await a.validation.get(0);
    expect(s.image).toEqual((await ds.get(ids(a.validation)[0])).image);
    expect(() => splitDataset(ds, { validationFraction: 1, seed: 0 })).toThrow(/validationFraction must be in \(0, 1\)/);
  });
});

describe('synthetic', () => {
  it('is deterministic, balanced-ish, and differs between splits', async () => {
    const a = new SyntheticDataset({ numSamples: 300, numClasses: 3, seed: 1 });
    const b = new SyntheticDataset({ numSamples: 300, numClasses: 3, seed: 1 });
    const t = new SyntheticDataset({ numSamples: 300, numClasses: 3, seed: 1, split: 'test' });
    expect((await a.get(5)).image).toEqual((await b.get(5)).image);
    expect((await a.get(5)).image).not.toEqual((await t.get(5)).image);
    const counts = [0, 0, 0];
    for (let i = 0; i < 300; i++) counts[a.label(i)]++;
    for (const c of counts) expect(c).toBeGreaterThan(70);
  });
});
