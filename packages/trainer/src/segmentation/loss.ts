import { tf } from '@vitkit/core';

/**
 * Per-pixel cross-entropy (PyTorch `F.cross_entropy(logits, target, ignore_index=255)` with mean reduction): the mean
 * over the pixels whose label is not `ignoreIndex` of −log softmax(logits)[label]; 0 when every pixel is ignored.
 * `logits` `[B, H, W, K]`, `labels` `B·H·W` class indices.
 */
export function pixelCrossEntropy(logits: tf.Tensor4D, labels: Int32Array | tf.Tensor, ignoreIndex = 255): tf.Scalar {
  if (logits.rank !== 4) throw new Error(`pixelCrossEntropy: logits must be [B, H, W, K] (a segmentation model's output), got shape [${logits.shape}]`);
  const [b, h, w, k] = logits.shape;
  const n = b * h * w;
  const count = labels instanceof Int32Array ? labels.length : labels.size;
  if (count !== n) throw new Error(`pixelCrossEntropy: ${count} labels for ${b}x${h}x${w} logits`);
  return tf.tidy(() => {
    const y = (labels instanceof Int32Array ? tf.tensor1d(labels, 'int32') : tf.reshape(labels, [n]).toInt()) as tf.Tensor1D;
    const valid = tf.notEqual(y, ignoreIndex);
    const safe = tf.where(valid, y, tf.zerosLike(y)) as tf.Tensor1D;
    const logp = tf.logSoftmax(tf.reshape(logits, [n, k]));
    const picked = tf.sum(tf.mul(logp, tf.oneHot(safe, k)), 1);
    const weight = tf.cast(valid, 'float32');
    return tf.div(tf.neg(tf.sum(tf.mul(picked, weight))), tf.maximum(tf.sum(weight), 1)) as tf.Scalar;
  });
}

/** What a per-pixel loss sees of a segmentation batch: the label of every pixel (`B·H·W`, row-major). */
export interface PixelTargets {
  labels: Int32Array;
}

/** A registered loss of kind `loss` for segmentation: a scalar from `[B, H, W, K]` logits and the pixel labels. */
export type PixelLossFn = (logits: tf.Tensor4D, targets: PixelTargets) => tf.Scalar;

/** `pixelCrossEntropy` as a loss component (`{ "type": "pixel-cross-entropy", "ignoreIndex": 255 }`). */
export function pixelCrossEntropyLoss(o: { ignoreIndex: number }): PixelLossFn {
  return (logits, { labels }) => pixelCrossEntropy(logits, labels, o.ignoreIndex);
}
