import type { RegistryLike } from '@vitkit/core';
import { dualBranchOptions, DualBranchViT } from './dual-branch';
import { crossvitPresets } from './presets';

export { DualBranchViT, MultiScaleBlock, checkOptions, dualBranchOptions } from './dual-branch';
export type { DualBranchOptions } from './dual-branch';
export { crossvitPresets, CROSSVIT_T2T_TOKENIZERS } from './presets';

/** Registers the `dual-branch` backbone (CrossViT) and the crossvit_* presets. */
export function registerDualBranch(registry: RegistryLike): void {
  registry.register({
    kind: 'backbone',
    name: 'dual-branch',
    owner: '@vitkit/backbones',
    description: 'Multi-branch multi-scale ViT (CrossViT): per-branch tokenizer/size/width, K multi-scale blocks with a registered fusion, mean of branch heads',
    options: dualBranchOptions,
    example: { imgSize: [24, 16], patchSize: [6, 8], numClasses: 5, embedDim: [16, 32], depth: [[1, 1, 0]], numHeads: [2, 2], mlpRatio: [2, 2] },
    create: (o, ctx) => new DualBranchViT(o, ctx),
  });
  for (const p of crossvitPresets) registry.registerPreset(p);
}
