import type { PresetDefinition } from '@vitkit/core';
import { withPretrained } from '../pretrained-weights';

const OWNER = '@vitkit/backbones';

type Spec = PresetDefinition['spec'];

function t2t(embedDim: number, depth: number, numHeads: number, mlpRatio: number, attention: 'performer' | 'transformer' | 'convolution', extra: Record<string, unknown> = {}): Spec {
  return {
    type: 'deep-narrow',
    imgSize: 224,
    numClasses: 1000,
    embedDim,
    depth,
    numHeads,
    mlpRatio,
    tokenizer: { type: 't2t', attention, tokenDim: 64 },
    ...extra,
  };
}

/**
 * T2T-ViT presets with the official factory names (yitu-opensource/T2T-ViT `models/t2t_vit*.py`).
 * All use the README evaluation path's attention scale `head_dim^-½`; the official `pretrained=True` path sets
 * `qk_scale = embed_dim^-½` instead: override with `{ preset: 't2t_vit_14', qkScale: 'embed' }`.
 */
export const deepNarrowPresets: PresetDefinition[] = withPretrained([
  { name: 't2t_vit_7', owner: OWNER, description: 'T2T-ViT-7 (performer T2T, 256-d, 7 blocks, 4 heads, MLP ×2), 4.3M params', spec: t2t(256, 7, 4, 2, 'performer') },
  { name: 't2t_vit_10', owner: OWNER, description: 'T2T-ViT-10 (performer T2T, 256-d, 10 blocks), 5.9M params', spec: t2t(256, 10, 4, 2, 'performer') },
  { name: 't2t_vit_12', owner: OWNER, description: 'T2T-ViT-12 (performer T2T, 256-d, 12 blocks), 6.9M params', spec: t2t(256, 12, 4, 2, 'performer') },
  { name: 't2t_vit_14', owner: OWNER, description: 'T2T-ViT-14 (performer T2T, 384-d, 14 blocks, 6 heads, MLP ×3), 21.5M params', spec: t2t(384, 14, 6, 3, 'performer') },
  { name: 't2t_vit_19', owner: OWNER, description: 'T2T-ViT-19 (performer T2T, 448-d, 19 blocks, 7 heads), 39.2M params', spec: t2t(448, 19, 7, 3, 'performer') },
  { name: 't2t_vit_24', owner: OWNER, description: 'T2T-ViT-24 (performer T2T, 512-d, 24 blocks, 8 heads), 64.1M params', spec: t2t(512, 24, 8, 3, 'performer') },
  { name: 't2t_vit_t_14', owner: OWNER, description: 'T2T-ViT_t-14 (transformer T2T layers), 21.5M params', spec: t2t(384, 14, 6, 3, 'transformer') },
  { name: 't2t_vit_t_19', owner: OWNER, description: 'T2T-ViT_t-19 (transformer T2T layers), 39.2M params', spec: t2t(448, 19, 7, 3, 'transformer') },
  { name: 't2t_vit_t_24', owner: OWNER, description: 'T2T-ViT_t-24 (transformer T2T layers), 64.1M params', spec: t2t(512, 24, 8, 3, 'transformer') },
  {
    name: 't2t_vit_c_14',
    owner: OWNER,
    description: 'T2T-ViT_c-14 (paper Table 7): the T2T module replaced by 3 convolutions (7,3,3)/(4,2,2), 21.3M params',
    spec: t2t(384, 14, 6, 3, 'convolution'),
  },
  // Paper Table 6, CNN → T2T-ViT designs (official t2t_vit_se.py, t2t_vit_ghost.py, t2t_vit_dense.py, t2t_vit.py).
  { name: 't2t_vit_14_se', owner: OWNER, description: 'T2T-ViT-SE (Table 6): T2T-ViT-14 with SE channel attention after each attention projection', spec: t2t(384, 14, 6, 3, 'performer', { design: 'se' }) },
  { name: 't2t_vit_16_ghost', owner: OWNER, description: 'T2T-ViT-Ghost (Table 6): 16 ghost blocks (half of q/k/v and MLP from cheap depthwise ops)', spec: t2t(384, 16, 6, 3, 'performer', { design: 'ghost' }) },
  {
    name: 't2t_vit_dense',
    owner: OWNER,
    description: 'T2T-ViT-Dense (Table 6): dense connections, growth 64, stages (3,6,6,4), width 128→584, 8 heads',
    spec: t2t(128, 19, 8, 2, 'performer', { design: 'dense', growthRate: 64, blockConfig: [3, 6, 6, 4] }),
  },
  { name: 't2t_vit_14_wide', owner: OWNER, description: 'T2T-ViT-Wide (Table 6/7 "d768-4"): shallow-wide, 768-d, 4 blocks, 12 heads', spec: t2t(768, 4, 12, 3, 'performer') },
  { name: 't2t_vit_14_resnext', owner: OWNER, description: 'T2T-ViT-ResNeXt (Table 6): T2T-ViT-14 with 32 heads', spec: t2t(384, 14, 32, 3, 'performer') },
  {
    name: 't2t_vit_7_small',
    owner: OWNER,
    aliases: ['t2t_vit_7_cifar'],
    description:
      'T2T-ViT-7 for 32 px images (CIFAR; also 28 px with { imgSize: 28 }): soft splits (7,2,3),(3,2,1),(3,1,1) → 8×8 (7×7) tokens, 10 classes',
    spec: {
      type: 'deep-narrow',
      imgSize: 32,
      numClasses: 10,
      embedDim: 256,
      depth: 7,
      numHeads: 4,
      mlpRatio: 2,
      tokenizer: { type: 't2t', attention: 'performer', tokenDim: 64, kernelSizes: [7, 3, 3], strides: [2, 2, 1], paddings: [3, 1, 1] },
    },
  },
  {
    name: 't2t_vit_c_3_mnist',
    owner: OWNER,
    description:
      'Small-image T2T-ViT_c for grey 32 px digits (MNIST padded by 2; the npm start model): convolutional T2T with BatchNorm + GELU, 4×4 tokens, 3 blocks of width 96, 0.3M params',
    spec: {
      type: 'deep-narrow',
      imgSize: 32,
      inChans: 1,
      numClasses: 10,
      embedDim: 96,
      depth: 3,
      numHeads: 4,
      mlpRatio: 2,
      tokenizer: {
        type: 't2t',
        attention: 'convolution',
        tokenDim: 64,
        convNorm: 'batch',
        convActivation: 'gelu',
        kernelSizes: [7, 3, 3],
        strides: [4, 2, 1],
        paddings: [2, 1, 1],
      },
    },
  },
]);
