// Element-wise dropout with inverted scaling, tf.dropout's result for the same seed on every engine. Where the engine
// has the fused kernel (the native one) it is one pass each way and the gradient keeps the engine's compact mask (one
// bit an element there); elsewhere it is tf.dropout (the random stream drawn in JavaScript, a float mask kept).
import { tf } from '../tf';
import { DROPOUT_GRAD_KERNEL, DROPOUT_KERNEL, hasKernel } from './fused';
import { releaseSaved } from './release-saved';

function fused(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const run = tf.customGrad((input, save) => {
    const [value, mask] = tf.engine().runKernel(DROPOUT_KERNEL, { x: input as tf.Tensor }, { rate, seed }) as tf.Tensor[];
    (save as tf.GradSaveFunc)([mask]);
    mask.dispose();
    const outputId = value.id;
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        releaseSaved(saved, tf.engine().runKernel(DROPOUT_GRAD_KERNEL, { dy: dy as tf.Tensor, mask: saved[0] }, { rate }) as tf.Tensor, dy, outputId),
    };
  });
  return run(x);
}

/** `tf.dropout(x, rate, undefined, seed)`: zeroes each element with probability `rate` and scales the rest by 1/(1 − rate). */
export function dropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return x;
  // A rate below 2^-25 leaves keep = 1 in float32, where tf.dropout can scale an element by 2: only it does that.
  const keepRoundsToOne = Math.fround(1 - rate) === 1;
  return x.dtype === 'float32' && x.size > 0 && !keepRoundsToOne && hasKernel(DROPOUT_KERNEL) ? fused(x, rate, seed) : tf.dropout(x, rate, undefined, seed);
}
