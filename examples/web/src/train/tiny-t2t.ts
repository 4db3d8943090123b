import type { ModelSpec } from '@vitkit/core';

/**
 * The Train tab's model: the 28 px T2T-ViT-7 preset shrunk until a browser trains it in seconds per step: a one-channel
 * input, 10 classes, 64-d tokens, 2 blocks of 2 heads, a performer T2T module with 32-d tokens (~130k parameters).
 */
export const TINY_T2T_SPEC: ModelSpec = {
  preset: 't2t_vit_7_small',
  imgSize: 28,
  inChans: 1,
  numClasses: 10,
  embedDim: 64,
  depth: 2,
  numHeads: 2,
  tokenizer: { attention: 'performer', tokenDim: 32 },
};

/** The statistics of MNIST's training pixels (torchvision's MNIST example), for normalisation. */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;
