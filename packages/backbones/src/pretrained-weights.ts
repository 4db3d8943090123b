import { IMAGENET_MEAN, IMAGENET_STD, timmEvalTransform } from '@vitkit/core';
import type { EvalTransform, PresetDefinition, PretrainedConfig } from '@vitkit/core';

/**
 * The published ImageNet-1k weights of the presets (timm's `pretrained_cfg`): official URL, claimed top-1 and the
 * eval transform of the official code. vitkit never downloads them; see the README for how to get the files.
 */

// T2T-ViT: `_cfg` of models/t2t_vit.py (crop_pct .9, bicubic) through timm's create_loader: resize 248, crop 224.
const T2T_EVAL = timmEvalTransform(224, 0.9, 'bicubic');
// CrossViT: datasets.py build_transform at --input-size 240, --crop-ratio 256/224: Resize(int(240 * 256 / 224) = 274,
// bicubic), CenterCrop(240).
const CROSSVIT_EVAL: EvalTransform = { resize: 274, crop: 240, cropPct: 224 / 256, interpolation: 'bicubic', mean: IMAGENET_MEAN, std: IMAGENET_STD };
// torchvision ImageNet1K_V1 weights: Resize(256, bilinear), CenterCrop(224).
const TORCHVISION_EVAL: EvalTransform = { resize: 256, crop: 224, cropPct: 0.875, interpolation: 'bilinear', mean: IMAGENET_MEAN, std: IMAGENET_STD };

function t2t(top1: number, file: string): PretrainedConfig {
  return {
    url: `https://github.com/yitu-opensource/T2T-ViT/releases/download/main/${file}`,
    file,
    top1,
    top1Source: 'yitu-opensource/T2T-ViT README',
    inputSize: [3, 224, 224],
    numClasses: 1000,
    classNames: 'imagenet-1k',
    eval: T2T_EVAL,
    // The official transfer-learning loader reads state_dict_ema; `auto` does the same.
    weights: 'auto',
  };
}

function crossvit(official: string, top1: number): PretrainedConfig {
  return {
    url: `https://github.com/IBM/CrossViT/releases/download/weights-0.1/${official}.pth`,
    file: `${official}.pth`,
    top1,
    top1Source: 'CrossViT paper, Table 2',
    inputSize: [3, 240, 240],
    numClasses: 1000,
    classNames: 'imagenet-1k',
    eval: CROSSVIT_EVAL,
  };
}

function torchvision(file: string, top1: number, weights: string): PretrainedConfig {
  return {
    url: `https://download.pytorch.org/models/${file}`,
    file,
    top1,
    top1Source: `torchvision ${weights}.IMAGENET1K_V1`,
    inputSize: [3, 224, 224],
    numClasses: 1000,
    classNames: 'imagenet-1k',
    eval: TORCHVISION_EVAL,
  };
}

export const PRETRAINED_WEIGHTS: Readonly<Record<string, PretrainedConfig>> = {
  t2t_vit_7: t2t(71.7, '71.7_T2T_ViT_7.pth.tar'),
  t2t_vit_10: t2t(75.2, '75.2_T2T_ViT_10.pth.tar'),
  t2t_vit_12: t2t(76.5, '76.5_T2T_ViT_12.pth.tar'),
  t2t_vit_14: t2t(81.5, '81.5_T2T_ViT_14.pth.tar'),
  t2t_vit_19: t2t(81.9, '81.9_T2T_ViT_19.pth.tar'),
  t2t_vit_24: t2t(82.3, '82.3_T2T_ViT_24.pth.tar'),
  t2t_vit_t_14: t2t(81.7, '81.7_T2T_ViTt_14.pth.tar'),
  t2t_vit_t_19: t2t(82.4, '82.4_T2T_ViTt_19.pth.tar'),
  t2t_vit_t_24: t2t(82.6, '82.6_T2T_ViTt_24.pth.tar'),
  crossvit_tiny_240: crossvit('crossvit_tiny_224', 73.4),
  crossvit_small_240: crossvit('crossvit_small_224', 81.0),
  crossvit_base_240: crossvit('crossvit_base_224', 82.2),
  crossvit_9_240: crossvit('crossvit_9_224', 73.9),
  crossvit_15_240: crossvit('crossvit_15_224', 81.5),
  crossvit_18_240: crossvit('crossvit_18_224', 82.5),
  crossvit_9_dagger_240: crossvit('crossvit_9_dagger_224', 77.1),
  crossvit_15_dagger_240: crossvit('crossvit_15_dagger_224', 82.3),
  crossvit_18_dagger_240: crossvit('crossvit_18_dagger_224', 82.8),
  resnet18: torchvision('resnet18-f37072fd.pth', 69.758, 'ResNet18_Weights'),
  resnet34: torchvision('resnet34-b627a593.pth', 73.314, 'ResNet34_Weights'),
  resnet50: torchvision('resnet50-0676ba61.pth', 76.13, 'ResNet50_Weights'),
  resnet101: torchvision('resnet101-63fe2227.pth', 77.374, 'ResNet101_Weights'),
};

/** Attaches each preset's published-weights metadata (by preset name). */
export function withPretrained(presets: PresetDefinition[]): PresetDefinition[] {
  return presets.map((p) => (PRETRAINED_WEIGHTS[p.name] ? { ...p, pretrained: PRETRAINED_WEIGHTS[p.name] } : p));
}
