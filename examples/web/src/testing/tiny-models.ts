import type { ModelSpec } from '@vitkit/core';

/** A ViT small enough for a test: 16 px images, 4 px patches (a 4×4 grid and the class token), one block of two heads. */
export const TINY_VIT = { type: 'vit', imgSize: 16, numClasses: 5, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 4 } } satisfies ModelSpec;

/** The same for one-channel 28 px digits: 7 px patches. */
export const TINY_DIGIT_VIT = { type: 'vit', imgSize: 28, inChans: 1, numClasses: 10, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 7 } } satisfies ModelSpec;
