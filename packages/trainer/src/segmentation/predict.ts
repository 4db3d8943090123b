import { tf } from '@vitkit/core';
import type { SegmentationModel } from '@vitkit/core';
import { normalizeInPlace, writeColorMaskPng } from '@vitkit/data';
import type { PixelLogitsForward } from './pixel-logits';

/** The most likely class of every pixel of per-pixel logits `[batch, H, W, classes]`, one `H·W` mask per image. */
function masksOf(logits: tf.Tensor4D): Uint8Array[] {
  const [b, h, w] = logits.shape;
  const flat = tf.tidy(() => tf.argMax(logits, 3).dataSync());
  return Array.from({ length: b }, (_, i) => Uint8Array.from(flat.subarray(i * h * w, (i + 1) * h * w)));
}

/** The most likely class of every pixel, one `H·W` mask per image of `x` (eval mode is the caller's choice). */
export function predictMasks(model: SegmentationModel, x: tf.Tensor4D): Uint8Array[] {
  return tf.tidy(() => masksOf(model.forward(x) as tf.Tensor4D));
}

export interface PredictMaskOptions {
  /** Where the logits come from instead of `model.forward` (e.g. the model exported to ONNX in onnxruntime). */
  forward?: PixelLogitsForward;
}

/**
 * Predicts the mask of one HWC image in [0, 1] (normalised with `stats`, as in training) and writes it as a
 * coloured PNG (PASCAL VOC colours; see `classColor`); returns the mask.
 */
export async function predictMaskPng(
  model: SegmentationModel,
  image: Float32Array,
  shape: readonly [number, number, number],
  stats: { mean: readonly number[]; std: readonly number[] },
  file: string,
  options: PredictMaskOptions = {},
): Promise<Uint8Array> {
  const [h, w, c] = shape;
  const data = image.slice();
  normalizeInPlace(data, c, stats.mean, stats.std);
  const x = tf.tensor4d(data, [1, h, w, c]);
  const wasTraining = model.training;
  model.eval();
  try {
    let mask: Uint8Array;
    if (options.forward) {
      const logits = await options.forward(x);
      [mask] = masksOf(logits);
      logits.dispose();
    } else {
      [mask] = predictMasks(model, x);
    }
    await writeColorMaskPng(file, mask, w, h);
    return mask;
  } finally {
    x.dispose();
    model.train(wasTraining);
  }
}
