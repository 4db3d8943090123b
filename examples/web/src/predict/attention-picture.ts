import { tf } from '@vitkit/core';
import type { EvalTransform, ImageClassifier } from '@vitkit/core';
import { explainImage } from '@vitkit/explain';
import type { Explanation, RgbaImage } from '@vitkit/explain';

/**
 * What the model looks at in the prepared input `[1, H, W, C]` (normalised with `transform`'s statistics): the
 * picture `vitkit explain` writes, from @vitkit/explain: the crop the model saw, then the attention rollout (one
 * overlay per CrossViT branch) or, for a VT-ResNet, each visual token's spatial attention per VT module (VT paper
 * Figure 5). Throws, saying so, for a model without attention. The input stays the caller's.
 */
export async function attentionPicture(model: ImageClassifier, input: tf.Tensor4D, transform: EvalTransform): Promise<Explanation> {
  const [, height, width, channels] = input.shape;
  const data = (await input.data()) as Float32Array;
  return explainImage(model, { data, height, width, channels, mean: transform.mean, std: transform.std });
}

/** Draws RGBA pixels on `canvas`, scaled up by a whole factor (no smoothing) to at least `minHeight` pixels high. */
export function drawPicture(canvas: HTMLCanvasElement, image: RgbaImage, minHeight = 224): void {
  const scale = Math.max(1, Math.ceil(minHeight / image.height));
  const small = document.createElement('canvas');
  small.width = image.width;
  small.height = image.height;
  small.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height), 0, 0);
  canvas.width = image.width * scale;
  canvas.height = image.height * scale;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('attention canvas: no 2D context');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
