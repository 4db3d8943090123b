import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { createRegistry, SpecError } from '@vitkit/core';
import { encodeIdx } from '../idx';
import { createDataset, registerDatasets } from './index';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from './fashion-mnist';

// The official label files (MIT, see __fixtures__/fashion-mnist/README.md); the images are generated here: image i
// carries i in its first three bytes, so a sample shows which file position it came from.
const OFFICIAL = path.join(__dirname, '__fixtures__', 'fashion-mnist');
const SHA256 = {
  'train-labels-idx1-ubyte.gz': 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
  't10k-labels-idx1-ubyte.gz': '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
};

function officialLabels(file: string): Uint8Array {
  return zlib.gunzipSync(fs.readFileSync(path.join(OFFICIAL, file))).subarray(8);
}

function writeImages(file: string, n: number): void {
  const bytes = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) bytes.set([i & 255, (i >> 8) & 255, i >> 16], i * 784);
  fs.writeFileSync(file, encodeIdx('uint8', [n, 28, 28], bytes));
}

const indexOf = (image: Float32Array) => Math.round(image[0] * 255) + 256 * Math.round(image[1] * 255) + 65536 * Math.round(image[2] * 255);

describe('Fashion-MNIST: the official split and order', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-fmnist-'));
    for (const f of Object.keys(SHA256)) fs.copyFileSync(path.join(OFFICIAL, f), path.join(dir, f));
    writeImages(path.join(dir, 'train-images-idx3-ubyte'), 60000);
    writeImages(path.join(dir, 't10k-images-idx3-ubyte'), 10000);
  });

  it('the label fixtures are the official files', () => {
    for (const [f, sha] of Object.entries(SHA256)) expect(createHash('sha256').update(fs.readFileSync(path.join(OFFICIAL, f))).digest('hex')).toBe(sha);
  });

  it.each([
    ['train', 'train-labels-idx1-ubyte.gz', 60000, 6000, [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]],
    ['test', 't10k-labels-idx1-ubyte.gz', 10000, 1000, [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]],
  ] as const)('%s (%s): %i samples, %i per class, in the official order', async (split, labelsFile, n, perClass, head) => {
    const ds = await loadFashionMnist(split, dir);
    const labels = officialLabels(labelsFile);
    expect(ds.length).toBe(n);
    expect(ds.shape).toEqual([28, 28, 1]);
    expect(ds.classNames).toEqual(FASHION_MNIST_CLASSES);
    const got = Uint8Array.from({ length: n }, (_, i) => ds.label(i));
    expect(Buffer.compare(Buffer.from(got), Buffer.from(labels))).toBe(0);
    const counts = new Array(10).fill(0);
    for (const l of got) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(perClass));
    expect(Array.from(got.subarray(0, 10))).toEqual(head);
    for (const i of [0, 1, 2, 12345 % n, n - 1]) {
      const s = await ds.get(i);
      expect(indexOf(s.image)).toBe(i);
      expect(s.label).toBe(labels[i]);
    }
  });

  it('rejects files that are not the official split sizes, naming the file', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-fmnist-bad-'));
    writeImages(path.join(bad, 't10k-images-idx3-ubyte'), 100);
    fs.writeFileSync(path.join(bad, 't10k-labels-idx1-ubyte'), encodeIdx('uint8', [100], new Uint8Array(100)));
    await expect(loadFashionMnist('test', bad)).rejects.toThrow(`${path.join(bad, 't10k-images-idx3-ubyte')}: 100 images; the official fashion-mnist test split has 10000`);
  });

  it('needs dir: the spec error names data.train.dir, the loader names the official files', async () => {
    const registry = createRegistry({ plugins: [{ name: 'data', register: registerDatasets }] });
    await expect(createDataset(registry, { type: 'fashion-mnist' }, 'data.train')).rejects.toThrow(SpecError);
    await expect(createDataset(registry, { type: 'fashion-mnist' }, 'data.train')).rejects.toThrow(/data\.train\.dir/);
    await expect(loadFashionMnist('train')).rejects.toThrow('Fashion-MNIST: "dir" must name a folder with the official files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)');
  });
});
