/**
 * The paper's three heuristic fusions (CrossViT §3.3, Eq. 2–4), which no public code implements. All map every
 * branch i to a common width D with f_i and back with g_i, where f, g = LN → GELU → Linear as in the official
 * cross-attention (`projs`, `revert_projs`). One fusion per file, with its registry definition.
 */
export { allAttentionFusion, AllAttentionFusion } from './all-attention';
export { classTokenFusion, ClassTokenFusion } from './class-token';
export { pairwiseFusion, PairwiseFusion } from './pairwise';
export { SelfAttentionLayer } from './self-attention-layer';
export type { AllAttentionOptions, HeuristicFusionOptions } from './heuristic-options';
