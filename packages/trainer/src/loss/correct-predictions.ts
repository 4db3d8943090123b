import { tf } from '@vitkit/core';

/** How many rows of `logits` ([B, K]) have their largest value at the batch's label: top-1 hits as a scalar. */
export function correctPredictions(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32')) as tf.Scalar);
}
