// The two reductions of the performer's attention as ops with direct gradients. Under autograd, tfjs's Sum gradient
// fills a ones tensor of the input's shape in JavaScript and multiplies by it, and ‖z‖² adds two products on top: for
// t2t_vit_7 a few million ones a step, filled on the main thread (~6 ms of a 240 ms step on two threads). Forward
// values are the composed ops' own; the gradients are the same numbers.
import { releaseSaved, tf } from '@vitkit/core';

const halfSquaredNormOp = tf.customGrad((z, save) => {
  (save as tf.GradSaveFunc)([z as tf.Tensor]);
  const value = tf.tidy(() => tf.div(tf.sum(tf.mul(z as tf.Tensor, z as tf.Tensor), -1, true), 2));
  const outputId = value.id;
  // d(½‖z‖²)/dz = z, times the (broadcast) output gradient
  return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => releaseSaved(saved, tf.mul(saved[0], dy as tf.Tensor), dy, outputId) };
});

/** `‖z‖²/2` over the last axis, kept: `[B, T, E]` → `[B, T, 1]`. */
export function halfSquaredNorm(z: tf.Tensor3D): tf.Tensor3D {
  return halfSquaredNormOp(z) as tf.Tensor3D;
}

const tokenSumOp = tf.customGrad((x) => {
  const [b, t, m] = (x as tf.Tensor).shape;
  const value = tf.sum(x as tf.Tensor, 1);
  const outputId = value.id;
  // every token receives the output gradient: a broadcasting add onto zeros (no JavaScript fill, no Tile)
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => releaseSaved([], tf.tidy(() => tf.add(tf.zeros([b, t, m]), tf.reshape(dy as tf.Tensor, [b, 1, m]))), dy, outputId),
  };
});

/** `Σₜ x` over the token axis: `[B, T, m]` → `[B, m]`. */
export function tokenSum(x: tf.Tensor3D): tf.Tensor2D {
  return tokenSumOp(x) as tf.Tensor2D;
}
