// `a + b` of two same-shape tensors, as a residual connection does. tfjs's Add gradient saves both inputs (to read
// their shapes for a broadcast), which keeps the branch's output alive for the whole backward pass although nothing
// needs its values; PyTorch's add saves nothing. This one saves nothing either, and releases its dy once passed on.
import { tf } from '../tf';
import { releaseSaved } from './release-saved';

const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b] = args as tf.Tensor[];
  const value = tf.add(a, b);
  const outputId = value.id;
  return {
    value,
    // two tensors (sharing dy's memory): tfjs accumulates and disposes each input's gradient on its own
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => releaseSaved([], [(dy as tf.Tensor).clone(), (dy as tf.Tensor).clone()], dy, outputId),
  };
});

/** `a + b` for tensors of one shape and dtype (a residual connection); tf.add for anything else. */
export function residualAdd(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const same = a.dtype === 'float32' && b.dtype === 'float32' && a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
  return same && a.size > 0 ? (run(a, b) as tf.Tensor) : tf.add(a, b);
}
