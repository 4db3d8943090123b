import type { VitkitPlugin } from '@vitkit/core';
import { registerDatasets } from './datasets';
import { registerTransforms } from './transforms';

export type { Sample, Dataset, Batch, LoaderPosition } from './types';
export { createDataset, registerDatasets, datasetDefinitions } from './datasets';
export type { DatasetSpec, CreateDatasetOptions } from './datasets';
export {
  splitDataset,
  limitDataset,
  SubsetDataset,
  ByteImageDataset,
  loadMnist,
  mnistDataDir,
  MNIST_STATS,
  MNIST_CLASSES,
  loadFashionMnist,
  FASHION_MNIST_STATS,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_SPLIT_SIZES,
  FASHION_MNIST_FILES,
  CifarDataset,
  CIFAR10_STATS,
  CIFAR100_STATS,
  CIFAR10_CLASSES,
  ImageFolderDataset,
  decodeImageFile,
  IMAGENET_STATS,
  IMAGE_EXTENSIONS,
  SyntheticDataset,
} from './datasets';
export type { DecodeImageOptions } from './datasets';
export type { SplitOptions, Split, CifarOptions, ImageFolderOptions, SkippedFile, SyntheticOptions } from './datasets';
export { parseIdx, readIdx, encodeIdx, IdxError } from './idx';
export { MissingPackageError, OPTIONAL_PACKAGES } from './optional-packages';
export type { OptionalPackage } from './optional-packages';
export type { IdxArray, IdxData } from './idx';
export { Rng, hashSeed, permutation } from './rng';
export { makeImage, cropResizeBilinear, cropResizeNearest, crop, flipHorizontal, normalizeInPlace } from './image';
export type { HostImage } from './image';
export {
  createTransforms,
  createBatchTransforms,
  createAugmentation,
  registerTransforms,
  transformDefinitions,
  parseRandAugmentConfig,
  Resize,
  CenterCrop,
  RandomCrop,
  RandomResizedCrop,
  randomResizedCropBox,
  HorizontalFlip,
  Normalize,
  ToChannels,
  roundHalfEven,
  RandomErasing,
  RandAugment,
  RAND_AUGMENT_OPS,
  applyRandAugmentOp,
  Mix,
  applyMixup,
  applyCutmix,
  cutmixBox,
} from './transforms';
export type { Transform, TransformContext, BatchTransform, HostBatch, Interpolation, ErasingMode, RandAugmentOp, MixOptions, MixDecision } from './transforms';
export { DataLoader } from './loader';
export * from './segmentation';
export type { DataLoaderOptions, LoaderBatch, PreparedBatch } from './loader';

/** Registers the datasets (kind `dataset`), transforms (`transform`) and batch transforms (`batch-transform`). */
export function register(registry: Parameters<VitkitPlugin['register']>[0]): void {
  registerDatasets(registry);
  registerTransforms(registry);
}

export const plugin: VitkitPlugin = { name: '@vitkit/data', register };
