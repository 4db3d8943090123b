import type { RegistryLike } from '@vitkit/core';
import { createT2TTokenizer } from './create-t2t-tokenizer';
import { t2tOptionsSchema } from './t2t-options';

export { softSplit, restructurize, splitOutputSize } from './soft-split';
export { TokenPerformer, TokenTransformer, TokenAttention, orthogonalRandomFeatures, T2T_NORM_EPS, T2T_LINEAR_INIT } from './layers';
export type { TokenPerformerOptions } from './layers';
export { t2tOptionsSchema, t2tOptions, imageSizeSchema, T2T_ATTENTION_TYPES } from './t2t-options';
export type { T2TOptions, T2TAttention } from './t2t-options';
export { t2tGeometry } from './t2t-geometry';
export type { T2TGeometry } from './t2t-geometry';
export { T2TTokenizer } from './t2t-tokenizer';
export { SoftSplitT2TTokenizer } from './soft-split-t2t-tokenizer';
export type { T2TLayerFactory } from './soft-split-t2t-tokenizer';
export { PerformerT2TTokenizer } from './performer-t2t-tokenizer';
export { TransformerT2TTokenizer } from './transformer-t2t-tokenizer';
export { ConvolutionT2TTokenizer } from './convolution-t2t-tokenizer';
export { createT2TTokenizer } from './create-t2t-tokenizer';

/** Registers the `t2t` tokenizer (Tokens-to-Token module of T2T-ViT). */
export function registerT2T(registry: RegistryLike): void {
  registry.register({
    kind: 'tokenizer',
    name: 't2t',
    owner: '@vitkit/tokenizers',
    description:
      'Tokens-to-Token (T2T-ViT): soft splits (unfold) with performer / transformer T2T layers, or the convolution variant T2T-ViT_c; ' +
      'parameters named like the official T2T_module (attention1, attention2, project)',
    options: t2tOptionsSchema,
    example: { imgSize: 32, embedDim: 16, tokenDim: 8, kernelSizes: [7, 3, 3], strides: [2, 2, 1], paddings: [3, 1, 1] },
    create: (options, ctx) => createT2TTokenizer(options, ctx.path),
  });
}
