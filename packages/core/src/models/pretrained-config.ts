import type { WeightsChoice } from '../io/pth/checkpoint-layout';

/** Channel statistics of ImageNet (timm's IMAGENET_DEFAULT_MEAN / STD, torchvision's). */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/**
 * How the official code evaluates its weights: resize the shorter side to `resize` with `interpolation`, center-crop
 * `crop`, scale to [0, 1] and normalise with `mean`/`std` (torchvision `Resize`, `CenterCrop`, `ToTensor`, `Normalize`).
 */
export interface EvalTransform {
  resize: number;
  crop: number;
  /** `crop / resize` as timm writes it (`crop_pct`). */
  cropPct: number;
  interpolation: 'bicubic' | 'bilinear';
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * The published weights of a preset, as timm's `pretrained_cfg`: where to download them (by hand; vitkit never
 * downloads), what they claim, and how to feed them.
 */
export interface PretrainedConfig {
  /** The official download URL. */
  url: string;
  /** Its file name, as `--weights` / `model.pretrained` will usually name it. */
  file: string;
  /** Claimed ImageNet-1k top-1 accuracy, % (single crop at `inputSize`). */
  top1: number;
  /** Where the claim is made. */
  top1Source: string;
  /** `[C, H, W]` the weights were evaluated at. */
  inputSize: readonly [number, number, number];
  numClasses: number;
  /** Class names of the output (`imagenet-1k`: {@link IMAGENET_CLASSES}). */
  classNames: 'imagenet-1k';
  eval: EvalTransform;
  /** Which weights of the checkpoint the claim is for (`auto` unless stated). */
  weights?: WeightsChoice;
  /** Spec overrides the weights need (merged into the preset when loading them). */
  specOverrides?: Record<string, unknown>;
}

/** The eval transform of the timm-style config `crop_pct` at `size` (`resize = floor(size / crop_pct)`). */
export function timmEvalTransform(size: number, cropPct: number, interpolation: EvalTransform['interpolation']): EvalTransform {
  return { resize: Math.floor(size / cropPct), crop: size, cropPct, interpolation, mean: IMAGENET_MEAN, std: IMAGENET_STD };
}
