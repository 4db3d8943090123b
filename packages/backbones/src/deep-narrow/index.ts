import type { RegistryLike } from '@vitkit/core';
import { createDeepNarrow, deepNarrowOptionsSchema } from './deep-narrow';
import { deepNarrowPresets } from './presets';

export { DeepNarrowViT, createDeepNarrow, checkDeepNarrow, deepNarrowOptionsSchema, qkScaleSchema, DEEP_NARROW_NORM_EPS, DEEP_NARROW_DESIGNS } from './deep-narrow';
export type { DeepNarrowOptions, DeepNarrowDesign } from './deep-narrow';
export { SELayer, SEAttention, GhostAttention, GhostMlp, CheapOperation, DesignBlock, DenseBlock, Transition } from './designs';
export { deepNarrowPresets } from './presets';
export { adaptT2TCheckpoint, loadT2TCheckpoint, resizePosEmbed } from './finetune';
export type { AdaptCheckpointOptions } from './finetune';

/** Registers the `deep-narrow` backbone (T2T-ViT) and the T2T-ViT presets. The `t2t` tokenizer comes from @vitkit/tokenizers. */
export function registerDeepNarrow(registry: RegistryLike): void {
  registry.register({
    kind: 'backbone',
    name: 'deep-narrow',
    owner: '@vitkit/backbones',
    description:
      'T2T-ViT backbone (official T2T_ViT): tokenizer as tokens_to_token, cls token, frozen sinusoid pos_embed, ' +
      'pre-norm blocks without qkv bias (LayerNorm eps 1e-5), final norm, linear head; designs standard/se/ghost/dense',
    options: deepNarrowOptionsSchema,
    example: {
      imgSize: 32,
      numClasses: 10,
      embedDim: 32,
      depth: 2,
      numHeads: 2,
      mlpRatio: 2,
      tokenizer: { type: 't2t', tokenDim: 16, kernelSizes: [7, 3, 3], strides: [2, 2, 1], paddings: [3, 1, 1] },
    },
    create: createDeepNarrow,
  });
  for (const p of deepNarrowPresets) registry.registerPreset(p);
}
