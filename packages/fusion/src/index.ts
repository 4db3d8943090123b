import type { RegistryLike, VitkitPlugin } from '@vitkit/core';
import { crossAttentionFusion } from './cross-attention';
import { allAttentionFusion, classTokenFusion, noFusion, pairwiseFusion } from './heuristic';

export { CrossAttention, CrossAttentionBlock, CrossAttentionFusion, crossAttentionFusion } from './cross-attention';
export type { CrossAttentionOptions, CrossAttentionFusionOptions } from './cross-attention';
export { AllAttentionFusion, ClassTokenFusion, PairwiseFusion, NoFusion, SelfAttentionLayer, allAttentionFusion, classTokenFusion, pairwiseFusion, noFusion } from './heuristic';
export type { HeuristicFusionOptions, AllAttentionOptions } from './heuristic';
export { commonFusionShape, projection } from './common';
export type { CommonFusionOptions } from './common';
export { fusionAblation, formatFusionAblation, FUSION_NAMES, TABLE6_PAPER } from './ablation';
export type { FusionAblationRow, FusionAblationOptions } from './ablation';

/** Registers the fusions `cross-attention`, `all-attention`, `class-token`, `pairwise` and `none`. */
export function register(registry: RegistryLike): void {
  registry.register(crossAttentionFusion);
  registry.register(allAttentionFusion);
  registry.register(classTokenFusion);
  registry.register(pairwiseFusion);
  registry.register(noFusion);
}

export const plugin: VitkitPlugin = { name: '@vitkit/fusion', register };
