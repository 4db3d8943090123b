import { tf } from '@vitkit/core';

/** What a loss sees of a batch: soft targets `[B, K]` and hard labels. */
export interface LossTargets {
  y: tf.Tensor2D;
  labels: Int32Array;
}

/** Returns a scalar loss (mean over the batch). Called inside the gradient tape. */
export type LossFn = (logits: tf.Tensor2D, targets: LossTargets) => tf.Scalar;

/** Mean over the batch of −Σ_k target_k · log softmax(logits)_k. */
export function softTargetCrossEntropy(logits: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

/**
 * Cross-entropy with label smoothing ε applied to the batch's targets: target' = (1−ε)·y + ε/K.
 * With one-hot y this equals timm's `LabelSmoothingCrossEntropy` ((1−ε)·NLL + ε·mean(−log p)); with mixed targets
 * (mixup/cutmix) it equals timm's smoothed mixup targets.
 */
export function crossEntropy(options: { labelSmoothing?: number } = {}): LossFn {
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1)) throw new RangeError(`cross-entropy: labelSmoothing must be in [0, 1), got ${eps}`);
  return (logits, { y }) =>
    tf.tidy(() => {
      const k = logits.shape[1];
      const target = eps > 0 ? (tf.add(tf.mul(y, 1 - eps), eps / k) as tf.Tensor2D) : y;
      return softTargetCrossEntropy(logits, target);
    });
}

/** Cross-entropy against the batch's soft targets as given (mixup/cutmix already smoothed them). */
export function softTargetLoss(): LossFn {
  return (logits, { y }) => softTargetCrossEntropy(logits, y);
}

export interface DistillationOptions {
  /** 'soft': KL between temperature-scaled distributions; 'hard': cross-entropy with the teacher's argmax. */
  type: 'soft' | 'hard';
  /** Weight of the distillation term; the base loss gets 1 − alpha. */
  alpha: number;
  /** Temperature for 'soft'. */
  tau: number;
}

/**
 * DeiT's `DistillationLoss`: (1−α)·base + α·distill, where soft distillation is
 * KL(softmax(t/τ) ‖ softmax(s/τ)) summed over the batch, times τ², divided by the number of logits (B·K) as DeiT does,
 * and hard distillation is cross-entropy with the teacher's predicted class.
 */
export function distillationLoss(base: LossFn, o: DistillationOptions) {
  return (logits: tf.Tensor2D, targets: LossTargets, teacherLogits: tf.Tensor2D): tf.Scalar =>
    tf.tidy(() => {
      const b = base(logits, targets);
      let d: tf.Scalar;
      if (o.type === 'soft') {
        const ls = tf.logSoftmax(tf.div(logits, o.tau));
        const lt = tf.logSoftmax(tf.div(teacherLogits, o.tau));
        const kl = tf.sum(tf.mul(tf.exp(lt), tf.sub(lt, ls)));
        d = tf.div(tf.mul(kl, o.tau * o.tau), logits.size) as tf.Scalar;
      } else {
        const k = logits.shape[1];
        const hard = tf.oneHot(tf.argMax(teacherLogits, -1), k).toFloat() as tf.Tensor2D;
        d = softTargetCrossEntropy(logits, hard);
      }
      return tf.add(tf.mul(b, 1 - o.alpha), tf.mul(d, o.alpha)) as tf.Scalar;
    });
}
