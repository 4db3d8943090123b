import * as fs from 'fs';
import * as path from 'path';
import { readIdx } from '../idx';
import { ByteImageDataset, Split } from './common';

/** `<base>`, `<base>.gz` or the `.idx` spelling (`train-images.idx3-ubyte`) in `dir`. */
export function findIdxFile(dir: string, base: string, dataset: string): string {
  for (const name of [base, `${base}.gz`, base.replace('-idx', '.idx')]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${dataset}: ${path.join(dir, base)} (or .gz) not found`);
}

export interface IdxImageSet {
  /** Dataset name used in messages and as the dataset's name prefix (`mnist`, `fashion-mnist`). */
  name: string;
  classNames: readonly string[];
  stats: { mean: readonly number[]; std: readonly number[] };
  /** Sample count each split must have (the official split), if fixed. */
  splitSizes?: Record<Split, number>;
}

/**
 * An MNIST-format split (`train-*` or `t10k-*` images and labels, optionally gzipped) in the files' own order,
 * validated: uint8 images [n, rows, cols], one label per image, labels < number of classes.
 */
export async function loadIdxImageSplit(set: IdxImageSet, dir: string, split: Split): Promise<ByteImageDataset> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesFile = findIdxFile(dir, `${prefix}-images-idx3-ubyte`, set.name);
  const labelsFile = findIdxFile(dir, `${prefix}-labels-idx1-ubyte`, set.name);
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
  const expected = set.splitSizes?.[split];
  if (expected !== undefined && images.shape[0] !== expected) {
    throw new Error(`${imagesFile}: ${images.shape[0]} images; the official ${set.name} ${split} split has ${expected}`);
  }
  const lab = labels.data as Uint8Array;
  const bad = lab.findIndex((v) => v >= set.classNames.length);
  if (bad >= 0) throw new Error(`${labelsFile}: label ${lab[bad]} at index ${bad} is not a class 0-${set.classNames.length - 1}`);
  const [, h, w] = images.shape;
  return new ByteImageDataset(`${set.name}/${split}`, [h, w, 1], images.data as Uint8Array, lab, set.classNames, set.stats);
}
