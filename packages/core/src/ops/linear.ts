// `x·W + b` on 2-D operands as one differentiable op. Composed (matMul, then add), tfjs's Add gradient saves both of
// its inputs only to read their shapes, which keeps the product before the bias alive for the whole backward pass: a
// second copy of every linear layer's output (BENCHMARKS.md, "Peak memory"). Here the forward pass is one fused
// matmul with the bias, the gradient saves only x and W (as BatchMatMul's would) and releases them once used.
import { tf } from '../tf';
import { releaseSaved } from './release-saved';

function forward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D {
  return (b ? tf.fused.matMul({ a: x, b: w, bias: b }) : tf.matMul(x, w)) as tf.Tensor2D;
}

const withBias = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
  (args[3] as tf.GradSaveFunc)([x, w]);
  return {
    value: forward(x, w, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      const d = dy as tf.Tensor2D;
      return releaseSaved(saved, [tf.matMul(d, sw, false, true), tf.matMul(sx, d, true, false), tf.sum(d, 0)]);
    },
  };
});

const withoutBias = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w] = args as [tf.Tensor2D, tf.Tensor2D];
  (args[2] as tf.GradSaveFunc)([x, w]);
  return {
    value: forward(x, w, null),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      const d = dy as tf.Tensor2D;
      return releaseSaved(saved, [tf.matMul(d, sw, false, true), tf.matMul(sx, d, true, false)]);
    },
  };
});

/** `x·W (+ b)` for `x` `[rows, in]`, `W` `[in, out]` and `b` `[out]`. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D {
  if (x.dtype !== 'float32' || x.size === 0) return forward(x, w, b);
  return (b ? withBias(x, w, b) : withoutBias(x, w)) as tf.Tensor2D;
}
