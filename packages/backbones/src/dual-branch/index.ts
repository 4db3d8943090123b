import { RegistryLike, s } from '@vitkit/core';
import { DualBranchOptions, DualBranchViT } from './dual-branch';
import { crossvitPresets } from './presets';

export { DualBranchViT, MultiScaleBlock, ParameterList, checkOptions } from './dual-branch';
export type { DualBranchOptions } from './dual-branch';
export { crossvitPresets, CROSSVIT_T2T_TOKENIZERS } from './presets';

const ints = s.array(s.int({ min: 1 }), { minLength: 2 });

export const dualBranchOptions = s.object({
  imgSize: s.array(s.int({ min: 1 }), { minLength: 2 }),
  patchSize: s.optional(ints),
  inChans: s.default(s.int({ min: 1 }), 3),
  numClasses: s.default(s.int({ min: 0 }), 1000),
  embedDim: ints,
  depth: s.array(s.array(s.int({ min: 0 })), { minLength: 1 }),
  numHeads: ints,
  mlpRatio: s.array(s.number({ gt: 0 }), { minLength: 2 }),
  qkvBias: s.default(s.boolean(), true),
  qkScale: s.optional(s.number({ gt: 0 })),
  normEps: s.default(s.number({ gt: 0 }), 1e-6),
  dropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  attnDropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  dropPathRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  tokenizer: s.default(s.any(), 'patch'),
  fusion: s.default(s.any(), 'cross-attention'),
});

/** Registers the `dual-branch` backbone (CrossViT) and the crossvit_* presets. */
export function registerDualBranch(registry: RegistryLike): void {
  registry.register({
    kind: 'backbone',
    name: 'dual-branch',
    owner: '@vitkit/backbones',
    description: 'Multi-branch multi-scale ViT (CrossViT): per-branch tokenizer/size/width, K multi-scale blocks with a registered fusion, mean of branch heads',
    options: dualBranchOptions,
    example: { imgSize: [24, 16], patchSize: [6, 8], numClasses: 5, embedDim: [16, 32], depth: [[1, 1, 0]], numHeads: [2, 2], mlpRatio: [2, 2] },
    create: (o, ctx) => new DualBranchViT(o as DualBranchOptions, ctx),
  });
  for (const p of crossvitPresets) registry.registerPreset(p);
}
