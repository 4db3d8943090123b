import { s } from '@vitkit/core';
import type { ComponentDefinition, RegistryLike, Report, VitkitPlugin } from '@vitkit/core';
import { fusionAblation, formatFusionAblation } from './ablation';
import { crossAttentionFusion } from './cross-attention';
import { allAttentionFusion, classTokenFusion, pairwiseFusion } from './heuristic';
import { noFusion } from './no-fusion';

export { CrossAttention, CrossAttentionBlock, CrossAttentionFusion, crossAttentionFusion } from './cross-attention';
export type { CrossAttentionOptions, CrossAttentionFusionOptions } from './cross-attention';
export { AllAttentionFusion, ClassTokenFusion, PairwiseFusion, SelfAttentionLayer, allAttentionFusion, classTokenFusion, pairwiseFusion } from './heuristic';
export { NoFusion, noFusion } from './no-fusion';
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
  registry.register(fusionAblationReport);
}

/** `vitkit info --report fusion-ablation`: paper Table 6 recomputed (each fusion swapped into CrossViT-S). */
export const fusionAblationReport: ComponentDefinition<{ base: string }, Report> = {
  kind: 'report',
  name: 'fusion-ablation',
  owner: '@vitkit/fusion',
  description: 'Params and MACs of every fusion on CrossViT-S next to the paper (Table 6)',
  options: s.object({ base: s.default(s.string(), 'crossvit_small_240') }),
  example: {},
  create: (o) => ({
    title: `Fusion ablation on ${o.base} (paper Table 6)`,
    run(registry) {
      const rows = fusionAblation(registry, { base: o.base });
      return { rows: rows.map((r) => ({ ...r })), text: formatFusionAblation(rows) };
    },
  }),
};

export const plugin: VitkitPlugin = { name: '@vitkit/fusion', register };
