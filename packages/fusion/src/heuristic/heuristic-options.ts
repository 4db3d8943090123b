// The option schemas of the heuristic fusions: a common width D and identity f/g where a branch is already D wide.
import { s } from '@vitkit/core';
import type { InferShape } from '@vitkit/core';
import { commonFusionShape } from '../common';

export const heuristicShape = (identityDefault: boolean) => ({
  ...commonFusionShape,
  /** Common width D of the fused tokens; default the widest branch. */
  dim: s.optional(s.int({ min: 1 })),
  /**
   * Identity f/g for a branch whose width already equals D. Defaults reproduce paper Table 6's parameter
   * counts on CrossViT-S: on for class-token and pairwise (24.2M), off for all-attention (27.7M).
   */
  identityWhenEqual: s.default(s.boolean(), identityDefault),
});
export const allAttentionShape = {
  ...heuristicShape(false),
  /** Heads of the joint self-attention; default the heads of the branch whose width is D. */
  heads: s.optional(s.int({ min: 1 })),
};

export type HeuristicFusionOptions = InferShape<ReturnType<typeof heuristicShape>>;
export type AllAttentionOptions = InferShape<typeof allAttentionShape>;

/** The common width D: `dim`, else the widest branch. */
export function commonDim(o: HeuristicFusionOptions): number {
  return o.dim ?? Math.max(...o.dims);
}
