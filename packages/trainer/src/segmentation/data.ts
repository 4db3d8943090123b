import * as path from 'path';
import { SpecError } from '@vitkit/core';
import { MaskFolderDataset, MnistSegmentationDataset, segRandomCrop, segRandomHorizontalFlip } from '@vitkit/data';
import type { SegDataset, SegTransform } from '@vitkit/data';
import type { DataFactory, RunData } from '../data';
import type { SegmentationTrainSpec } from './spec';
import { SegmentationLoader } from './loader';

/** A segmentation run's data: the loaders, and the test split itself (the report draws some of its images). */
export interface SegmentationRunData extends RunData {
  testSet: SegDataset;
}

/** Whether a run's data carries the segmentation test split (the report needs its images and masks). */
export function isSegmentationRunData(d: RunData): d is SegmentationRunData {
  return 'testSet' in d;
}

/** The train and test splits a segmentation spec's `data` names (mnist-segmentation, or a mask folder). */
export async function openSegmentationData(d: SegmentationTrainSpec['data'], baseDir: string): Promise<{ train: SegDataset; test: SegDataset }> {
  if (d.type === 'mnist-segmentation') {
    const common = { size: d.size, seed: d.seed, digits: d.digits as [number, number] | undefined };
    return {
      train: await MnistSegmentationDataset.load({ ...common, split: 'train', length: d.trainLength }),
      test: await MnistSegmentationDataset.load({ ...common, split: 'test', length: d.testLength }),
    };
  }
  const missing = (['dir', 'numClasses'] as const).filter((k) => d[k] === undefined);
  if (missing.length) throw new SpecError(missing.map((k) => ({ path: `data.${k}`, message: 'is required for mask-folder' })));
  if (d.channels !== 1 && d.channels !== 3) throw new SpecError([{ path: 'data.channels', message: `must be 1 or 3 for mask-folder, got ${d.channels}` }]);
  const o = { dir: path.resolve(baseDir, d.dir!), numClasses: d.numClasses!, channels: d.channels as 1 | 3, imageSize: d.imageSize as [number, number] | undefined };
  return { train: await MaskFolderDataset.open({ ...o, split: 'train' }), test: await MaskFolderDataset.open({ ...o, split: 'test' }) };
}

/** The augmentation `data.cropPadding` and `data.flip` ask for (the same on image and mask). */
export function segmentationTransforms(d: SegmentationTrainSpec['data'], train: SegDataset): SegTransform[] {
  const transforms: SegTransform[] = [];
  if (d.cropPadding > 0) transforms.push(segRandomCrop([train.shape[0], train.shape[1]], d.cropPadding));
  if (d.flip) transforms.push(segRandomHorizontalFlip());
  return transforms;
}

/** The loaders of a segmentation spec: shuffled, augmented training batches; the test split in order. */
export const segmentationDataFactory: DataFactory = async ({ spec, dir }) => {
  if (spec.task !== 'segmentation') throw new SpecError([{ path: 'task', message: `the segmentation loaders cannot read a ${spec.task} spec's data` }]);
  const d = spec.data;
  const { train, test } = await openSegmentationData(d, dir);
  const evalBatch = d.evalBatchSize ?? d.batchSize;
  const trainLoader = new SegmentationLoader(train, { batchSize: d.batchSize, shuffle: true, seed: spec.seed, transforms: segmentationTransforms(d, train), dropLast: true });
  const testLoader = new SegmentationLoader(test, { batchSize: evalBatch, shuffle: false, seed: spec.seed, dropLast: false });
  const data: SegmentationRunData = {
    train: trainLoader,
    evaluation: testLoader,
    evaluationName: 'test',
    test: testLoader,
    testSet: test,
    numClasses: train.numClasses,
    classNames: train.classNames,
    trainSize: train.length,
    normalize: { mean: [...train.stats.mean], std: [...train.stats.std] },
    shape: train.shape,
  };
  return data;
};
