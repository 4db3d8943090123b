import { tf } from '@vitkit/core';

/**
 * Per-pixel cross-entropy (PyTorch `F.cross_entropy(logits, target, ignore_index=255)` with mean reduction): the mean
 * over the pixels whose label is not `ignoreIndex` of −log softmax(logits)[label]; 0 when every pixel is ignored.
 * `logits` `[B, H, W, K]`, `labels` `B·H·W` class indices.
 */
export function pixelCrossEntropy(logits: tf.Tensor4D, labels: Int32Array | tf.Tensor, ignoreIndex = 255): tf.Scalar {
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
