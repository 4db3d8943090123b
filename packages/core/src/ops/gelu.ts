// Exact GELU, `x·Φ(x) = ½x(1 + erf(x/√2))` (PyTorch `nn.GELU()`; the tanh form fails the parity fixtures). On
// backends with the fused kernel (wasm with the vitkit kernel pack) it is one kernel each way and saves only x.
import { tf } from '../tf';
import { GELU_KERNEL, GELU_GRAD_KERNEL, hasKernel } from './fused';
import { releaseSaved } from './release-saved';

function composed(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

const fused = tf.customGrad((x, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor]);
  const value = tf.engine().runKernel(GELU_KERNEL, { x: x as tf.Tensor }) as tf.Tensor;
  const outputId = value.id;
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
      releaseSaved(saved, tf.engine().runKernel(GELU_GRAD_KERNEL, { dy: dy as tf.Tensor, x: saved[0] }) as tf.Tensor, dy, outputId),
  };
});

export function gelu(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' && x.size > 0 && hasKernel(GELU_KERNEL) ? fused(x) : composed(x);
}
