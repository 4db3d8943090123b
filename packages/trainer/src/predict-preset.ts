import * as path from 'path';
import { buildModel, IMAGENET_CLASSES, loadStateDict, readWeights, tf } from '@vitkit/core';
import type { EvalTransform, PretrainedConfig, Registry, WeightsChoice } from '@vitkit/core';
import { crop, decodeImageFile, makeImage, normalizeInPlace } from '@vitkit/data';

export interface PresetPredictOptions {
  /** A preset with published-weights metadata (`vitkit list` shows them), e.g. `t2t_vit_14`. */
  preset: string;
  /** The official weights file (`.pth`, `.pth.tar` or safetensors). */
  weights: string;
  images: string[];
  /** Labels per image (default 5). */
  top?: number;
  /** Which weights of a training checkpoint (default: the preset's, else `auto`). */
  weightsChoice?: WeightsChoice;
  /** The registry holding the preset (`createRegistry({ plugins: [...] })`; the CLI passes its own). */
  registry: Registry;
}

export interface ImagePrediction {
  file: string;
  top: Array<{ class: number; label: string; probability: number }>;
}

export interface PresetPredictResult {
  predictions: ImagePrediction[];
  /** The eval transform that was applied (the preset's official one). */
  transform: EvalTransform;
  /** The checkpoint entry the weights came from (`state_dict_ema`, ...), null for a plain state dict. */
  entry: string | null;
}

/**
 * The official eval transform on one image file: shorter side resized to `resize`, center crop `crop`
 * (torchvision's Resize + CenterCrop, done as sharp's cover-fit to resize² then the crop), scaled to [0, 1],
 * normalised. Returns HWC float32.
 */
export async function evalTransformImage(file: string, t: EvalTransform, channels = 3): Promise<Float32Array> {
  const hwc = await decodeImageFile(file, [t.resize, t.resize, channels], { fit: 'cover', interpolation: t.interpolation });
  const off = Math.round((t.resize - t.crop) / 2);
  const img = crop(makeImage(t.resize, t.resize, channels, hwc), off, off, t.crop, t.crop);
  normalizeInPlace(img.data, channels, t.mean, t.std);
  return img.data;
}

function pretrainedOf(registry: Registry, preset: string): PretrainedConfig {
  const def = registry.preset(preset);
  if (!def) throw new Error(`"${preset}" is not a registered preset`);
  if (!def.pretrained) {
    const withWeights = registry.listModels().filter((n) => registry.preset(n)?.pretrained);
    throw new Error(`preset "${preset}" has no published-weights metadata (eval transform, class names); presets that do: ${withWeights.join(', ')}`);
  }
  return def.pretrained;
}

/**
 * `vitkit predict --preset t2t_vit_14 --weights 81.5_T2T_ViT_14.pth.tar cat.jpg`: loads the official weights into the
 * preset, applies the preset's official eval transform and returns the top classes by name.
 */
export async function predictWithPreset(options: PresetPredictOptions): Promise<PresetPredictResult> {
  const { registry } = options;
  const cfg = pretrainedOf(registry, options.preset);
  const top = options.top ?? 5;
  if (!Number.isInteger(top) || top < 1) throw new RangeError(`top must be a positive integer, got ${top}`);
  const file = path.resolve(options.weights);
  const w = await readWeights(file, { weights: options.weightsChoice ?? cfg.weights });
  const model = buildModel(registry, { preset: options.preset, ...cfg.specOverrides });
  try {
    loadStateDict(model, w.tensors, { strict: true, source: file });
    model.eval();
    const names = cfg.classNames === 'imagenet-1k' ? IMAGENET_CLASSES : [];
    const [c, h, wd] = cfg.inputSize;
    const predictions: ImagePrediction[] = [];
    for (const image of options.images) {
      const x = await evalTransformImage(image, cfg.eval, c);
      const probs = tf.tidy(() => tf.softmax(model.forward(tf.tensor4d(x, [1, h, wd, c]))));
      const p = (await probs.data()) as Float32Array;
      probs.dispose();
      const order = [...p.keys()].sort((a, b) => p[b] - p[a]).slice(0, top);
      predictions.push({ file: image, top: order.map((k) => ({ class: k, label: names[k] ?? String(k), probability: p[k] })) });
    }
    return { predictions, transform: cfg.eval, entry: w.entry };
  } finally {
    model.dispose();
  }
}
