import { tf } from '@vitkit/core';

/**
 * `torch.nn.utils.clip_grad_norm_`: scales every gradient by min(1, maxNorm / (‖g‖₂ + 1e-6)), with ‖g‖₂ the global
 * norm over all gradients. Returns the new gradients (the inputs are disposed) and the norm before clipping as a
 * scalar tensor (caller disposes).
 */
export function clipGradNorm(grads: Map<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: tf.Scalar } {
  const norm = globalNorm([...grads.values()]);
  const out = new Map<string, tf.Tensor>();
  const coef = tf.tidy(() => tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1));
  for (const [k, g] of grads) {
    out.set(k, tf.mul(g, coef));
    g.dispose();
  }
  coef.dispose();
  return { grads: out, norm };
}

export function globalNorm(tensors: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(tensors.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}
