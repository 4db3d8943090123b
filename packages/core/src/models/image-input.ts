import { tf } from '../tf';
import { resizeBicubic } from '../nn/resize';
import type { EvalTransform } from './pretrained-config';

/**
 * Pixels tfjs reads: an `<img>`, a `<canvas>`, an `ImageBitmap`, a `<video>`, `ImageData`, or `{ data, width, height }`
 * RGBA bytes (which also works in Node).
 */
export type ImageSource = Parameters<typeof tf.browser.fromPixels>[0];

/** The height and width torchvision's `Resize(size)` gives: the shorter side becomes `size`, the aspect is kept. */
export function shorterSideSize(height: number, width: number, size: number): [number, number] {
  if (height <= width) return [size, Math.floor((size * width) / height)];
  return [Math.floor((size * height) / width), size];
}

/**
 * A model input from an image, by a preset's eval transform (timm's: shorter side resized to `resize`, center crop
 * `crop`, scaled to [0, 1], normalised with `mean`/`std`): a `[1, crop, crop, 3]` NHWC float32 tensor the caller
 * disposes. Shrinking by 2× or more first averages whole pixel blocks, as an antialiasing pre-filter (PIL, which the
 * official evaluation used, filters over the source footprint; plain interpolation would alias).
 */
export function imageToInput(source: ImageSource, transform: EvalTransform): tf.Tensor4D {
  const { resize, crop, mean, std } = transform;
  if (!Number.isInteger(crop) || !Number.isInteger(resize) || crop < 1 || crop > resize) {
    throw new RangeError(`imageToInput: the transform needs whole sizes with 1 ≤ crop ≤ resize, got crop ${crop}, resize ${resize}`);
  }
  return tf.tidy(() => {
    const pixels = tf.browser.fromPixels(source, 3);
    const [h, w] = pixels.shape;
    if (h < 1 || w < 1) throw new RangeError(`imageToInput: the image has no pixels (${w}×${h})`);
    const [outH, outW] = shorterSideSize(h, w, resize);
    let x = tf.div(tf.expandDims(tf.cast(pixels, 'float32'), 0), 255) as tf.Tensor4D;
    const factor = Math.floor(Math.min(h / outH, w / outW));
    if (factor >= 2) x = tf.avgPool(x, factor, factor, 'valid');
    x = transform.interpolation === 'bicubic' ? resizeBicubic(x, [outH, outW]) : tf.image.resizeBilinear(x, [outH, outW], false, true);
    // Bicubic overshoots; PIL's result is bytes, so clamp to the range they hold.
    x = tf.clipByValue(x, 0, 1);
    const top = Math.round((outH - crop) / 2);
    const left = Math.round((outW - crop) / 2);
    const cropped = tf.slice(x, [0, top, left, 0], [1, crop, crop, 3]);
    return tf.div(tf.sub(cropped, tf.tensor1d([...mean])), tf.tensor1d([...std])) as tf.Tensor4D;
  });
}
