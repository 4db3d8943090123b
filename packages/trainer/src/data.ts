import { SpecError, usePlugin } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import type { TrainSpec } from './spec';
import type { Batch, Dataset, LoaderPosition } from '@vitkit/data';
import type { BatchSource } from './loop/batch-source';

export type { Batch, Dataset, LoaderPosition };
export type { BatchSource } from './loop/batch-source';

/** The data side of a run, assembled from `spec.data`. */
export interface RunData {
  train: BatchSource;
  /** Evaluated after each epoch (validation split when `validationFraction` > 0, else the test set). */
  evaluation: BatchSource;
  evaluationName: 'validation' | 'test';
  /** The test set for the final report (undefined when the spec has none). */
  test?: BatchSource;
  numClasses: number;
  classNames: readonly string[];
  trainSize: number;
  /** Normalisation actually used (recorded for `predict`). */
  normalize: { mean: number[]; std: number[] };
  /** HWC of the images the loaders deliver before the model. */
  shape: readonly [number, number, number];
}

/** Builds the loaders of a run; the default one uses @vitkit/data, tests may pass their own. */
export type DataFactory = (args: { registry: Registry; spec: TrainSpec; dir: string }) => Promise<RunData>;

type DataApi = typeof import('@vitkit/data');

function dataApi(): DataApi {
  try {
     
    return require('@vitkit/data') as DataApi;
  } catch (e) {
    throw new Error(`@vitkit/data is needed to load the datasets of a spec; install it (npm install @vitkit/data): ${(e as Error).message}`);
  }
}

/** Assembles datasets, split, transforms and loaders from `spec.data` through the registry. */
export const defaultDataFactory: DataFactory = async ({ registry, spec, dir }) => {
  if (spec.task !== 'classification') {
    throw new SpecError([{ path: 'task', message: `the classification loaders cannot read a ${spec.task} spec's data` }]);
  }
  const api = dataApi();
  usePlugin(registry, api.plugin);
  const d = spec.data;
  const fullTrain = await api.createDataset(registry, d.train, 'data.train', { baseDir: dir });
  let train: Dataset = fullTrain;
  let validation: Dataset | undefined;
  if (d.validationFraction > 0) {
    const split = api.splitDataset(fullTrain, { validationFraction: d.validationFraction, seed: spec.seed });
    train = split.train;
    validation = split.validation;
  }
  const test = d.test !== undefined ? await api.createDataset(registry, d.test, 'data.test', { baseDir: dir }) : undefined;
  const numClasses = fullTrain.numClasses;
  const normalize = d.normalize ?? { mean: [...fullTrain.stats.mean], std: [...fullTrain.stats.std] };
  const trainTransforms = api.createTransforms(registry, d.transforms, 'data.transforms');
  const evalTransforms = api.createTransforms(registry, d.evalTransforms, 'data.evalTransforms');
  const batchTransforms = api.createBatchTransforms(registry, d.batchTransforms, 'data.batchTransforms');
  const evalBatch = d.evalBatchSize ?? Math.max(d.batchSize, 256);
  const trainLoader = new api.DataLoader(train, {
    batchSize: d.batchSize,
    shuffle: true,
    seed: spec.seed,
    transforms: trainTransforms,
    batchTransforms,
    numClasses,
    labelSmoothing: 0,
    dropLast: d.dropLast,
    repeatedAugmentation: d.repeatedAugmentation,
    normalize,
  });
  const evalLoader = (ds: Dataset) =>
    new api.DataLoader(ds, { batchSize: evalBatch, shuffle: false, seed: spec.seed, transforms: evalTransforms, numClasses, dropLast: false, normalize });
  const testLoader = test ? evalLoader(test) : undefined;
  return {
    train: trainLoader as unknown as BatchSource,
    evaluation: (validation ? evalLoader(validation) : testLoader) as unknown as BatchSource,
    evaluationName: validation ? 'validation' : 'test',
    test: testLoader as unknown as BatchSource | undefined,
    numClasses,
    classNames: fullTrain.classNames,
    trainSize: train.length,
    normalize,
    shape: fullTrain.shape,
  };
};
