import { PresetDefinition } from '@vitkit/core';
import { withPretrained } from '../pretrained-weights';

const owner = '@vitkit/backbones';

interface CrossVitCfg {
  embedDim: [number, number];
  depth: [number, number, number];
  numHeads: [number, number];
  mlpRatio: [number, number];
}

const common = { imgSize: [240, 224], patchSize: [12, 16], inChans: 3, numClasses: 1000, qkvBias: true, normEps: 1e-6, fusion: 'cross-attention' };

function crossvit(name: string, description: string, cfg: CrossVitCfg, tokenizer: unknown = 'patch', officialAlias = true): PresetDefinition {
  return {
    name,
    owner,
    description,
    spec: { type: 'dual-branch', ...common, embedDim: cfg.embedDim, numHeads: cfg.numHeads, mlpRatio: cfg.mlpRatio, depth: [cfg.depth, cfg.depth, cfg.depth], tokenizer },
    aliases: officialAlias ? [name.replace(/_240$/, '_224')] : undefined,
    referenceInput: [3, 240, 240],
  };
}

const TI: CrossVitCfg = { embedDim: [96, 192], depth: [1, 4, 0], numHeads: [3, 3], mlpRatio: [4, 4] };
const S: CrossVitCfg = { embedDim: [192, 384], depth: [1, 4, 0], numHeads: [6, 6], mlpRatio: [4, 4] };
const B: CrossVitCfg = { embedDim: [384, 768], depth: [1, 4, 0], numHeads: [12, 12], mlpRatio: [4, 4] };
const C9: CrossVitCfg = { embedDim: [128, 256], depth: [1, 3, 0], numHeads: [4, 4], mlpRatio: [3, 3] };
const C15: CrossVitCfg = { embedDim: [192, 384], depth: [1, 5, 0], numHeads: [6, 6], mlpRatio: [3, 3] };
const C18: CrossVitCfg = { embedDim: [224, 448], depth: [1, 6, 0], numHeads: [7, 7], mlpRatio: [3, 3] };

/**
 * T2T module in place of both patch embeddings (CrossViT paper §4.3, "CrossViT-18+T2T"). The paper gives no
 * details; this uses the T2T module's defaults (performer, token dim 64) with soft splits whose total stride is
 * the branch's patch size: (7,4,2)(3,3,0)(3,1,1) → 20×20 tokens at 240 (patch 12, like the † conv stem) and the
 * standard (7,4,2)(3,2,1)(3,2,1) → 14×14 at 224 (patch 16).
 */
export const CROSSVIT_T2T_TOKENIZERS = [
  { type: 't2t', attention: 'performer', tokenDim: 64, kernelSizes: [7, 3, 3], strides: [4, 3, 1], paddings: [2, 0, 1] },
  { type: 't2t', attention: 'performer', tokenDim: 64, kernelSizes: [7, 3, 3], strides: [4, 2, 2], paddings: [2, 1, 1] },
];

export const crossvitPresets: PresetDefinition[] = withPretrained([
  crossvit('crossvit_tiny_240', 'CrossViT-Ti (official crossvit_tiny_224): dims 96/192, 3 heads, [1,4,0]×3', TI),
  crossvit('crossvit_small_240', 'CrossViT-S (official crossvit_small_224): dims 192/384, 6 heads, [1,4,0]×3', S),
  crossvit('crossvit_base_240', 'CrossViT-B (official crossvit_base_224): dims 384/768, 12 heads, [1,4,0]×3', B),
  crossvit('crossvit_9_240', 'CrossViT-9: dims 128/256, 4 heads, MLP 3x, [1,3,0]×3', C9),
  crossvit('crossvit_15_240', 'CrossViT-15: dims 192/384, 6 heads, MLP 3x, [1,5,0]×3', C15),
  crossvit('crossvit_18_240', 'CrossViT-18: dims 224/448, 7 heads, MLP 3x, [1,6,0]×3', C18),
  crossvit('crossvit_9_dagger_240', 'CrossViT-9†: CrossViT-9 with the 3-conv patch embedding', C9, 'conv-stem'),
  crossvit('crossvit_15_dagger_240', 'CrossViT-15†: CrossViT-15 with the 3-conv patch embedding', C15, 'conv-stem'),
  crossvit('crossvit_18_dagger_240', 'CrossViT-18†: CrossViT-18 with the 3-conv patch embedding', C18, 'conv-stem'),
  crossvit('crossvit_18_t2t_240', 'CrossViT-18+T2T (paper §4.3): CrossViT-18 with a T2T module as the tokenizer of both branches', C18, CROSSVIT_T2T_TOKENIZERS, false),
]);
