// `x·W + b` over the last axis as one differentiable op. Composed (reshape, matmul, add, reshape), tfjs's Add gradient
// saves both of its inputs only to read their shapes, which keeps the product before the bias alive for the whole
// backward pass (a second copy of every linear layer's output), and the reshapes' gradients hold the output gradient
// until the backward pass ends (BENCHMARKS.md, "Peak memory"). Here the forward pass is one fused matmul with the bias
// on 2-D operands (inputs of any rank are flattened inside the op: the gradient of tfjs's matMul(3-D, 2-D) is
// broken), the gradient saves only x and W, as BatchMatMul's would, and releases them and its dy once used.
import { tf } from '../tf';
import { releaseSaved } from './release-saved';

function forward2d(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D {
  return (b ? tf.fused.matMul({ a: x, b: w, bias: b }) : tf.matMul(x, w)) as tf.Tensor2D;
}

const flat = (t: tf.Tensor, cols: number) => (t.rank === 2 ? (t as tf.Tensor2D) : tf.reshape(t, [t.size / cols, cols]) as tf.Tensor2D);

function op(withBias: boolean) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, w] = args as [tf.Tensor, tf.Tensor2D];
    const b = withBias ? (args[2] as tf.Tensor1D) : null;
    (args[withBias ? 3 : 2] as tf.GradSaveFunc)([x, w]);
    const [inF, outF] = w.shape;
    const y2 = forward2d(flat(x, inF), w, b);
    const value = x.rank === 2 ? y2 : tf.reshape(y2, [...x.shape.slice(0, -1), outF]);
    const outputId = value.id;
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sw] = saved as [tf.Tensor, tf.Tensor2D];
        const grads = tf.tidy(() => {
          const d = flat(dy as tf.Tensor, outF);
          const dx = tf.matMul(d, sw, false, true);
          const out = [sx.rank === 2 ? dx : tf.reshape(dx, sx.shape), tf.matMul(flat(sx, inF), d, true, false)];
          return withBias ? [...out, tf.sum(d, 0)] : out;
        });
        return releaseSaved(saved, grads, dy, outputId);
      },
    };
  });
}

const withBias = op(true);
const withoutBias = op(false);

/** `x·W (+ b)` over the last axis of `x` (any rank ≥ 2), for `W` `[in, out]` and `b` `[out]`. */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor {
  if (x.dtype !== 'float32' || x.size === 0 || x.rank < 2) {
    return tf.tidy(() => {
      const y = forward2d(flat(x.rank < 2 ? tf.reshape(x, [1, -1]) : x, w.shape[0]), w, b);
      return tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1]]);
    });
  }
  return b ? withBias(x, w, b) : withoutBias(x, w);
}
