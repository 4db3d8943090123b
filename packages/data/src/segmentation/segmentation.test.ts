import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { selectBackend, tf } from '@vitkit/core';
import { makeImage } from '../image';
import { Rng } from '../rng';
import { loadSegBatch } from './batch';
import { MaskFolderDataset } from './mask-folder';
import { MnistSegmentationDataset } from './mnist-segmentation';
import { segRandomCrop, segRandomHorizontalFlip, segResize } from './transforms';
import { MaskError } from './types';

async function png(file: string, w: number, h: number, channels: 1 | 3, values: (i: number) => number): Promise<void> {
  const data = Buffer.alloc(w * h * channels);
  for (let i = 0; i < data.length; i++) data[i] = values(i);
  const img = sharp(data, { raw: { width: w, height: h, channels } });
  await (channels === 1 ? img.toColourspace('b-w') : img).png().toFile(file);
}

async function folder(masks: Record<string, { w: number; h: number; value?: (i: number) => number; channels?: 1 | 3 } | null>): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-seg-'));
  fs.mkdirSync(path.join(dir, 'images'));
  fs.mkdirSync(path.join(dir, 'masks'));
  for (const [name, m] of Object.entries(masks)) {
    await png(path.join(dir, 'images', `${name}.png`), 4, 3, 3, (i) => (i * 7) % 256);
    if (m) await png(path.join(dir, 'masks', `${name}.png`), m.w, m.h, m.channels ?? 1, m.value ?? ((i) => i % 3));
  }
  return dir;
}

describe('mask-folder dataset', () => {
  it('pairs images with masks/<name>.png; labels are the grey values; 255 passes as ignore', async () => {
    const dir = await folder({ a: { w: 4, h: 3, value: (i) => (i === 5 ? 255 : i % 3) } });
    const ds = await MaskFolderDataset.open({ dir, numClasses: 3 });
    expect(ds.shape).toEqual([3, 4, 3]);
    const s = await ds.get(0);
    expect(Array.from(s.mask)).toEqual([0, 1, 2, 0, 1, 255, 0, 1, 2, 0, 1, 2]);
    expect(s.image.length).toBe(36);
    expect(s.image[1]).toBeCloseTo(7 / 255, 6);
  });

  it('resizes masks with nearest neighbour (no blended labels)', async () => {
    const dir = await folder({ a: { w: 4, h: 3 } });
    const ds = await MaskFolderDataset.open({ dir, numClasses: 3, imageSize: [6, 8] });
    const s = await ds.get(0);
    expect(s.mask.length).toBe(48);
    expect(new Set(s.mask)).toEqual(new Set([0, 1, 2]));
  });

  it('a missing mask file is an error naming it', async () => {
    const dir = await folder({ a: { w: 4, h: 3 }, b: null });
    await expect(MaskFolderDataset.open({ dir, numClasses: 3 })).rejects.toThrow(new RegExp(`${path.join(dir, 'masks', 'b.png')}: missing: the mask of .*b\\.png`));
  });

  it('a mask of the wrong size is an error naming mask and image', async () => {
    const dir = await folder({ a: { w: 5, h: 3 } });
    const ds = await MaskFolderDataset.open({ dir, numClasses: 3 });
    await expect(ds.get(0)).rejects.toThrow(`${path.join(dir, 'masks', 'a.png')}: is 5x3 but its image ${path.join(dir, 'images', 'a.png')} is 4x3`);
  });

  it('a label out of range (not 255) is an error naming the file and the pixel', async () => {
    const dir = await folder({ a: { w: 4, h: 3, value: (i) => (i === 6 ? 7 : 0) } });
    const ds = await MaskFolderDataset.open({ dir, numClasses: 3 });
    const err = await ds.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MaskError);
    expect(String(err)).toContain(`${path.join(dir, 'masks', 'a.png')}: label 7 at row 1, column 2 is out of range: classes are 0..2, 255 = ignore`);
  });

  it('an RGB mask is refused with the file name', async () => {
    const dir = await folder({ a: { w: 4, h: 3, channels: 3 } });
    const ds = await MaskFolderDataset.open({ dir, numClasses: 3 });
    await expect(ds.get(0)).rejects.toThrow(/a\.png: has 3 channels; a mask must be a single-channel/);
  });
});

describe('segmentation transforms', () => {
  // Image value and mask label both encode the pixel's position, so alignment is checked pixel by pixel.
  const image = makeImage(6, 5, 1, Float32Array.from({ length: 30 }, (_, i) => i));
  const mask = makeImage(6, 5, 1, Float32Array.from({ length: 30 }, (_, i) => i));

  it('random crop and flip move image and mask identically; crop padding is ignore (255) in the mask', () => {
    for (let seed = 0; seed < 20; seed++) {
      const rng = new Rng(seed);
      let pair = segRandomCrop(4, 2).apply({ image, mask }, rng);
      pair = segRandomHorizontalFlip(0.5).apply(pair, rng);
      pair.image.data.forEach((v, i) => {
        const m = pair.mask.data[i];
        if (m === 255) expect(v).toBe(0);
        else expect(m).toBe(v);
      });
    }
  });

  it('resize: bilinear image, nearest mask whose labels stay from the original set', () => {
    const labels = makeImage(2, 2, 1, Float32Array.from([1, 2, 3, 255]));
    const out = segResize([5, 7]).apply({ image: makeImage(2, 2, 1, Float32Array.from([0, 1, 0, 1])), mask: labels }, new Rng(1));
    expect(out.mask.data.length).toBe(35);
    expect(new Set(out.mask.data)).toEqual(new Set([1, 2, 3, 255]));
    expect(out.image.data.some((v) => v > 0 && v < 1)).toBe(true);
  });
});

describe('mnist-segmentation', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('is deterministic, labels digits with digit + 1, background 0, rims 255, several digits per image', async () => {
    const a = await MnistSegmentationDataset.load({ split: 'test', length: 4, size: 48 });
    const b = await MnistSegmentationDataset.load({ split: 'test', length: 4, size: 48 });
    expect(a.numClasses).toBe(11);
    expect(a.shape).toEqual([48, 48, 1]);
    for (let i = 0; i < 4; i++) {
      const [x, y] = [await a.get(i), await b.get(i)];
      expect(Buffer.from(x.mask).equals(Buffer.from(y.mask))).toBe(true);
      const classes = new Set(x.mask);
      expect(classes.has(0) && classes.has(255)).toBe(true);
      expect([...classes].filter((c) => c >= 1 && c <= 10).length).toBeGreaterThanOrEqual(1);
      // every stroke pixel is bright, background is dark
      x.mask.forEach((m, p) => {
        if (m >= 1 && m <= 10) expect(x.image[p]).toBeGreaterThanOrEqual(0.5);
        if (m === 0) expect(x.image[p]).toBeLessThanOrEqual(0.2);
      });
    }
    const other = await MnistSegmentationDataset.load({ split: 'test', length: 4, size: 48, seed: 1 });
    expect(Buffer.from((await other.get(0)).mask).equals(Buffer.from((await a.get(0)).mask))).toBe(false);
  });

  it('loadSegBatch stacks normalised images and per-pixel labels', async () => {
    const ds = await MnistSegmentationDataset.load({ split: 'test', length: 3, size: 32 });
    const batch = await loadSegBatch(ds, [0, 2], [segRandomCrop(28), segRandomHorizontalFlip()], 5);
    expect(batch.x.shape).toEqual([2, 28, 28, 1]);
    expect(batch.labels.length).toBe(2 * 28 * 28);
    tf.dispose(batch.x);
  });
});
