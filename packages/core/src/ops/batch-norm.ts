// BatchNorm's training mode over every axis but the last: `(x − μ)/√(σ² + eps)·γ + β` with the batch's mean and biased
// variance, which the caller also gets (for its running statistics). On engines with the fused kernels (native) it is
// one kernel each way and saves only x, μ and σ²; elsewhere it is composed from tfjs ops, and autograd goes through
// tf.moments.
import { tf } from '../tf';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_KERNEL, hasKernel } from './fused';
import { releaseSaved } from './release-saved';

/** The normalised output and the batch statistics it used (per channel, not part of the gradient). */
export interface BatchNormTraining {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

function composed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): BatchNormTraining {
  const { mean, variance } = tf.moments(x, [...Array(x.rank - 1).keys()]);
  const scale = tf.mul(tf.rsqrt(tf.add(variance, eps)), gamma);
  const y = tf.add(tf.mul(tf.sub(x, mean), scale), beta);
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

function fused(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): BatchNormTraining {
  let stats: tf.Tensor[] = [];
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_KERNEL, { x: xi, gamma: g, beta: b }, { eps }) as tf.Tensor[];
    save([xi, mean, variance, g]);
    // customGrad's forward runs in its own tidy, which would dispose the statistics: keep them past it
    stats = [tf.keep(mean), tf.keep(variance)];
    const outputId = y.id;
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sm, sv, sg] = saved;
        return releaseSaved(saved, tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, { dy: dy as tf.Tensor, x: sx, mean: sm, variance: sv, gamma: sg }, { eps }) as tf.Tensor[], dy, outputId);
      },
    };
  });
  const y = run(x, gamma, beta);
  // clones belong to the caller's scope (tidy disposes them as usual); the kept originals go now
  const [mean, variance] = stats.map((t) => t.clone() as tf.Tensor1D);
  tf.dispose(stats);
  return { y, mean, variance };
}

/**
 * BatchNorm of `x` ([..., C]) with the batch's statistics over every axis but the last, scale `gamma` and shift `beta`
 * (both `[C]`). Returns the output and the mean and biased variance it used.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): BatchNormTraining {
  const c = x.shape[x.rank - 1];
  if (x.rank < 2 || gamma.size !== c || beta.size !== c) {
    throw new Error(`batchNormTraining: x [${x.shape}] needs rank ≥ 2, and gamma [${gamma.shape}] and beta [${beta.shape}] the ${c} elements of its last axis`);
  }
  return x.dtype === 'float32' && x.size > 0 && hasKernel(BATCH_NORM_KERNEL) ? fused(x, gamma, beta, eps) : composed(x, gamma, beta, eps);
}
