import { DeepNarrowViT, ResNet, VisionTransformer, VtResNet } from '@vitkit/backbones';
import type { ImageClassifier, SegmentationModel } from '@vitkit/core';

/** How to turn an image into the model's input; written to the ONNX file's `metadata_props`. */
export interface Preprocessing {
  /** `[height, width]` of the network input. */
  inputSize: [number, number];
  /** Per-channel mean and std, applied after scaling pixels to [0, 1]. */
  mean: number[];
  std: number[];
  interpolation: 'bilinear' | 'bicubic' | 'nearest';
  /** Resize the shorter side to `inputSize / cropPct`, then center-crop `inputSize` (timm's `crop_pct`). */
  cropPct: number;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/**
 * The evaluation preprocessing of the reference implementations, per backbone class (timm's `default_cfg`):
 * T2T-ViT and ViT bicubic at crop 0.9, CrossViT bicubic 0.875, torchvision's ResNet (and VT-ResNet) bilinear 0.875.
 * Single-channel models get the grey ImageNet statistics. Segmentation models (Detectron2's semantic FPN) take the
 * whole image resized bilinearly to the input size: no crop.
 */
export function defaultPreprocessing(model: ImageClassifier | SegmentationModel): Preprocessing {
  const stats = model.config.inChans === 1 ? { mean: [0.449], std: [0.226] } : model.config.inChans === 3 ? IMAGENET : { mean: Array(model.config.inChans).fill(0.5), std: Array(model.config.inChans).fill(0.5) };
  const segmentation = 'segHead' in model;
  const bilinear = segmentation || model instanceof ResNet || model instanceof VtResNet;
  const cropPct = model instanceof VisionTransformer || model instanceof DeepNarrowViT ? 0.9 : 0.875;
  return { inputSize: [...model.config.inputSize] as [number, number], ...stats, interpolation: bilinear ? 'bilinear' : 'bicubic', cropPct: segmentation ? 1 : cropPct };
}

/** `metadata_props` entries: `vitkit.*` keys, numbers and lists as JSON. */
export function preprocessingMetadata(p: Preprocessing): Record<string, string> {
  return {
    'vitkit.input_layout': 'NHWC',
    'vitkit.input_size': JSON.stringify(p.inputSize),
    'vitkit.mean': JSON.stringify(p.mean),
    'vitkit.std': JSON.stringify(p.std),
    'vitkit.interpolation': p.interpolation,
    'vitkit.crop_pct': String(p.cropPct),
  };
}
