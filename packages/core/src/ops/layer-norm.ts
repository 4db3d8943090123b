// LayerNorm over the last axis, `(x − μ)/√(σ² + eps)·γ + β` with biased variance. On backends with the fused kernel
// (wasm with the vitkit kernel pack) it is one kernel each way and saves only x, μ and 1/σ for the backward pass;
// elsewhere it is composed from tfjs ops (tfjs-node runs those natively).
import { tf } from '../tf';
import { hasKernel, LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL } from './fused';
import { releaseSaved } from './release-saved';

function composed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const mean = tf.mean(x, axis, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axis, true);
    const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, gamma), beta);
  });
}

function fused(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM_KERNEL, { x: xi, gamma: g, beta: b }, { eps }) as tf.Tensor[];
    save([xi, mean, rstd, g]);
    tf.dispose([mean, rstd]);
    const outputId = y.id;
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sm, sr, sg] = saved;
        return releaseSaved(saved, tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { dy: dy as tf.Tensor, x: sx, mean: sm, rstd: sr, gamma: sg }) as tf.Tensor[], dy, outputId);
      },
    };
  });
  return run(x, gamma, beta);
}

/** LayerNorm of `x` over its last axis with scale `gamma` and shift `beta` (both `[D]`). `eps` has no default. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const d = x.shape[x.rank - 1];
  if (gamma.size !== d || beta.size !== d) {
    throw new Error(`layerNorm: gamma [${gamma.shape}] and beta [${beta.shape}] must have the ${d} elements of x's last axis [${x.shape}]`);
  }
  return x.dtype === 'float32' && x.size > 0 && hasKernel(LAYER_NORM_KERNEL) ? fused(x, gamma, beta, eps) : composed(x, gamma, beta, eps);
}
