// softmax(q·kᵀ·scale)·v as one differentiable op (tf.customGrad). The composed version leaves the scores, the scaled
// scores and the probabilities on the tape (three [B, H, Nq, Nk] tensors per layer, plus their gradients until the
// backward pass ends); this one saves q, k, v and the probabilities only, and its backward intermediates are freed
// as soon as it returns. The forward pass runs the same ops as the composed version (same values).
import { tf } from '../tf';
import { releaseSaved } from './release-saved';

/** Gradients of o = p·v with p = softmax(s·scale), s = q·kᵀ, given do and the saved p. */
function attentionGrads(
  dy: tf.Tensor4D,
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  p: tf.Tensor4D,
  scale: number
): tf.Tensor4D[] {
  return tf.tidy(() => {
    const dv = tf.matMul(p, dy, true, false);
    const dp = tf.matMul(dy, v, false, true);
    // softmax backward: p ⊙ (dp − Σ_j dp ⊙ p), then the scale
    const ds = tf.mul(tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true))), scale) as tf.Tensor4D;
    return [tf.matMul(ds, k), tf.matMul(ds, q, true, false), dv];
  }) as tf.Tensor4D[];
}

/** softmax(q·kᵀ·scale)·v for `[B, H, N, d]` q, k, v (no dropout on the probabilities: see scaledDotProductAttention). */
export function fusedAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, scale: number): tf.Tensor4D {
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [qi, ki, vi] = args as tf.Tensor4D[];
    const save = args[3] as tf.GradSaveFunc;
    const p = tf.tidy(() => tf.softmax(tf.mul(tf.matMul(qi, ki, false, true), scale))) as tf.Tensor4D;
    const out = tf.matMul(p, vi);
    save([qi, ki, vi, p]);
    p.dispose();
    const outputId = out.id;
    return {
      value: out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved as tf.Tensor4D[];
        return releaseSaved(saved, attentionGrads(dy as tf.Tensor4D, sq, sk, sv, sp, scale), dy, outputId);
      },
    };
  });
  return run(q, k, v) as tf.Tensor4D;
}
