'use strict';
// Tiny training specs, one per model family, with the model's stochastic parts off (dropout, drop path, performer
// dropout). The data pipeline's randomness stays on (shuffle, random crop, mixup/cutmix, repeated augmentation): the
// twin reproduces vitkit's data RNG, so both see the same batches.

const MNIST = { train: { type: 'mnist', split: 'train', limit: 24 }, test: { type: 'mnist', split: 'test', limit: 32 } };
// The twin generates vitkit's synthetic set value for value (same RNG streams): the same batches as MNIST's.
const SYNTHETIC = {
  train: { type: 'synthetic', split: 'train', numSamples: 24, numClasses: 10, imageSize: 28, channels: 1, seed: 5 },
  test: { type: 'synthetic', split: 'test', numSamples: 32, numClasses: 10, imageSize: 28, channels: 1, seed: 5 },
};

const data = (transforms = [], datasets = MNIST) => ({
  ...datasets,
  transforms,
  evalTransforms: transforms,
  batchSize: 8,
  evalBatchSize: 16,
});

const train = (extra = {}) => ({
  epochs: 2,
  optimizer: { type: 'adamw', lr: 0.003, weightDecay: 0.05 },
  schedule: { type: 'cosine', warmupSteps: 2, minLr: 1e-5 },
  loss: { type: 'cross-entropy' },
  clipGradNorm: 1,
  ema: { decay: 0.9 },
  logEvery: 1,
  ...extra,
});

/** A tiny segmentation spec: narrow ResNet → `neck` → semantic-FPN head on 32×32 mnist-segmentation. */
function segmentation(neck, trainSection, extra = {}) {
  return {
    task: 'segmentation',
    model: {
      type: 'segmentation', backbone: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16] },
      neck, head: { type: 'semantic-fpn', convDims: 8, groups: 2 }, numClasses: 11, inChans: 1, imgSize: [32, 32],
    },
    data: { type: 'mnist-segmentation', size: 32, trainLength: 12, testLength: 8, digits: [1, 3], seed: 3, batchSize: 4, evalBatchSize: 4, cropPadding: 3, flip: true },
    train: trainSection,
    ...extra,
  };
}

const TEACHER = { type: 'vit', imgSize: 28, inChans: 1, numClasses: 10, embedDim: 8, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 7 } };

/** family name -> training spec (outDir is set by the round trip). */
const FAMILIES = {
  vit: {
    model: { type: 'vit', imgSize: 28, inChans: 1, numClasses: 10, embedDim: 16, depth: 2, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 7 } },
    data: { ...data([{ type: 'random-crop', size: 28, padding: 2 }, { type: 'horizontal-flip' }]), evalTransforms: [], batchTransforms: [{ type: 'mixup-cutmix' }], repeatedAugmentation: 2 },
    train: train({ loss: { type: 'soft-target-cross-entropy' } }),
  },
  't2t-vit': {
    model: {
      type: 'deep-narrow', imgSize: 32, inChans: 1, numClasses: 10, embedDim: 32, depth: 1, numHeads: 2, mlpRatio: 2,
      tokenizer: { type: 't2t', attention: 'performer', tokenDim: 16, performerDropout: 0, kernelSizes: [7, 3, 3], strides: [4, 2, 1], paddings: [2, 1, 1] },
    },
    data: data([{ type: 'center-crop', size: 32 }]),
    train: train({ loss: { type: 'cross-entropy', labelSmoothing: 0.1 } }),
  },
  crossvit: {
    model: {
      type: 'dual-branch', imgSize: [28, 21], patchSize: [7, 7], inChans: 1, numClasses: 10, embedDim: [16, 32], depth: [[1, 1, 0]], numHeads: [2, 2], mlpRatio: [2, 2],
      tokenizer: ['patch', { type: 't2t', attention: 'transformer', tokenDim: 8, kernelSizes: [3, 3], strides: [7, 1], paddings: [1, 1] }],
      fusion: 'cross-attention',
    },
    data: { ...data([{ type: 'rand-augment', config: 'rand-m9-mstd0.5-inc1' }]), evalTransforms: [] },
    train: train(),
  },
  resnet: {
    model: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16], imgSize: 28, inChans: 1, numClasses: 10 },
    data: data(),
    // DeiT soft distillation from a tiny ViT teacher (random weights written by the round trip as teacher.safetensors).
    train: train({ optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }, distillation: { teacher: TEACHER, weights: 'teacher.safetensors', type: 'soft', alpha: 0.5, tau: 2 } }),
  },
  'vt-resnet': {
    model: { type: 'vt-resnet', block: 'basic', layers: [1, 1, 1], widths: [4, 8, 8], vtModules: 2, tokenChannels: 8, numTokens: 4, imgSize: 28, inChans: 1, numClasses: 10 },
    data: {
      ...data([{ type: 'random-resized-crop', size: 28, scale: [0.5, 1] }, { type: 'random-erasing', p: 0.5, mode: 'pixel', maxCount: 2 }], SYNTHETIC),
      evalTransforms: [],
    },
    train: train(),
  },
  // Segmentation (task "segmentation"): mnist-segmentation composed by both sides from the seed, paired random crop
  // (mask padded with the ignore index 255) and flip, per-pixel cross-entropy over the labelled pixels.
  fpn: segmentation({ type: 'fpn', outChannels: 8 }, train({ optimizer: { type: 'sgd', lr: 0.005, momentum: 0.9, nesterov: false, weightDecay: 5e-4 }, schedule: { type: 'constant' }, loss: { type: 'pixel-cross-entropy' } })),
  'vt-fpn': segmentation({ type: 'vt-fpn', outChannels: 8, numTokens: 4, tokenChannels: 16, projDim: 4 }, train({ loss: { type: 'pixel-cross-entropy', ignoreIndex: 255 } })),
  // CIFAR-10 read by both sides from the binary batches the round trip writes (FIXTURES; the real set is a download).
  cifar10: {
    model: { type: 'vit', imgSize: 32, inChans: 3, numClasses: 10, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 8 } },
    data: { ...data([{ type: 'random-crop', size: 32, padding: 4 }, { type: 'horizontal-flip' }], { train: { type: 'cifar10', dir: 'cifar' }, test: { type: 'cifar10', split: 'test', dir: 'cifar' } }), evalTransforms: [] },
    train: train(),
  },
};

/**
 * CIFAR-10 "binary version" batches in `<dir>/cifar` (data_batch_1..5.bin with 5 records each, test_batch.bin with 16,
 * batches.meta.txt): label byte, then R, G, B planes of 32×32 bytes, from a fixed linear congruential sequence.
 */
function writeCifar10(dir) {
  const fs = require('fs');
  const path = require('path');
  const root = path.join(dir, 'cifar');
  fs.mkdirSync(root, { recursive: true });
  let state = 12345;
  const byte = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
  const batch = (records) => Buffer.from(Array.from({ length: records * 3073 }, (_, i) => (i % 3073 === 0 ? byte() % 10 : byte())));
  for (let i = 1; i <= 5; i++) fs.writeFileSync(path.join(root, `data_batch_${i}.bin`), batch(5));
  fs.writeFileSync(path.join(root, 'test_batch.bin'), batch(16));
  fs.writeFileSync(path.join(root, 'batches.meta.txt'), 'plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
}

/** family name -> writes the files its spec reads into the family's folder (before either side opens the data). */
const FIXTURES = { cifar10: writeCifar10 };

module.exports = { FAMILIES, FIXTURES };

const t2t = (extra, tokenizer = {}) => ({
  type: 'deep-narrow', imgSize: 32, inChans: 3, numClasses: 5, embedDim: 32, depth: 2, numHeads: 4, mlpRatio: 2,
  tokenizer: { type: 't2t', tokenDim: 8, performerDropout: 0, kernelSizes: [7, 3, 3], strides: [4, 2, 1], paddings: [2, 1, 1], ...tokenizer },
  ...extra,
});
const cross = (extra) => ({ type: 'dual-branch', imgSize: [32, 24], patchSize: [8, 8], inChans: 3, numClasses: 5, embedDim: [16, 32], depth: [[1, 1, 0], [1, 1, 1]], numHeads: [2, 4], mlpRatio: [2, 2], ...extra });
const vt = (extra) => ({ type: 'vt-resnet', layers: [1, 1, 1], widths: [4, 8, 8], vtModules: 2, tokenChannels: 16, numTokens: 4, imgSize: 32, inChans: 3, numClasses: 5, ...extra });

const seg = (neck, extra = {}) => ({
  type: 'segmentation', backbone: { type: 'resnet', block: 'bottleneck', layers: [1, 1, 1, 1], widths: [4, 4, 8, 8] },
  neck, head: { type: 'semantic-fpn', convDims: 8, groups: 2 }, numClasses: 5, inChans: 3, imgSize: [32, 32], ...extra,
});

/** Model variants checked by forward only (every weight and BatchNorm statistic randomised): name -> model spec. */
const FORWARD_VARIANTS = {
  // A third-party plugin's tokenizer (plugin/doubled-patch.js) and its registered PyTorch counterpart.
  'plugin tokenizer doubled-patch': { type: 'vit', imgSize: 16, numClasses: 5, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: 'doubled-patch' },
  'vit avg-pool': { type: 'vit', imgSize: 32, numClasses: 5, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, globalPool: 'avg', tokenizer: { type: 'patch', patchSize: 8 } },
  't2t transformer': t2t({}, { attention: 'transformer' }),
  't2t convolution + BN + GELU': t2t({}, { attention: 'convolution', convNorm: 'batch', convActivation: 'gelu' }),
  't2t qkScale embed': t2t({ qkScale: 'embed' }),
  't2t design se': t2t({ design: 'se', seReduction: 4 }),
  't2t design ghost': t2t({ design: 'ghost', mlpRatio: 3 }),
  't2t design dense': t2t({ design: 'dense', growthRate: 8, blockConfig: [2, 1] }),
  'crossvit stacked cross-attention': cross({}),
  'crossvit conv stem': cross({ imgSize: [24, 32], patchSize: [12, 16], embedDim: [16, 32], tokenizer: 'conv-stem' }),
  'crossvit all-attention': cross({ fusion: 'all-attention' }),
  'crossvit class-token': cross({ fusion: 'class-token' }),
  'crossvit pairwise': cross({ depth: [[1, 1, 0]], fusion: 'pairwise' }),
  'crossvit none': cross({ fusion: 'none' }),
  'resnet bottleneck': { type: 'resnet', block: 'bottleneck', layers: [1, 2, 1, 1], widths: [4, 8, 8, 8], imgSize: 32, numClasses: 5 },
  'vt-resnet graph-conv + adapter': vt({ interaction: 'graph-conv', channels: 12 }),
  'vt-resnet no interaction, no recurrence, last projector': vt({ interaction: 'none', recurrent: false, projectLast: true }),
  'vt-resnet bottleneck, no projector': vt({ block: 'bottleneck', projector: false }),
  'vt-resnet pooling tokenizer': vt({ tokenizer: 'pooling', numTokens: 2 }),
  'vt-resnet pooling, no recurrence': vt({ tokenizer: 'pooling', recurrent: false, vtModules: 3 }),
  'vt-resnet clustering tokenizer': vt({ imgSize: 64, tokenizer: { type: 'clustering', iterations: 2 } }),
  'vt-resnet clustering, no recurrence': vt({ imgSize: 64, tokenizer: 'clustering', recurrent: false }),
  'segmentation fpn on resnet bottleneck': seg({ type: 'fpn', outChannels: 8 }),
  'segmentation fpn on vt-resnet, conv1x1 head': seg({ type: 'fpn', outChannels: 8 }, { backbone: { type: 'vt-resnet', layers: [1, 1, 1], widths: [4, 8, 8], tokenChannels: 16, numTokens: 4, projectLast: true }, head: 'conv1x1' }),
  'segmentation vt-fpn filter, 64x32 input': seg({ type: 'vt-fpn', outChannels: 8, numTokens: 4, tokenChannels: 16, projDim: 4 }, { imgSize: [64, 32] }),
  'segmentation vt-fpn pooling': seg({ type: 'vt-fpn', outChannels: 8, numTokens: 4, tokenChannels: 8, tokenizer: 'pooling' }, { imgSize: [64, 64] }),
  'segmentation vt-fpn clustering': seg({ type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, tokenizer: { type: 'clustering', iterations: 2 } }, { imgSize: [64, 64] }),
};

module.exports.FORWARD_VARIANTS = FORWARD_VARIANTS;
