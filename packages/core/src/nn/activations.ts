import { tf } from '../tf';
import { Layer } from './layer';

const SQRT1_2 = Math.SQRT1_2;

/** Exact GELU, `x·Φ(x) = ½x(1 + erf(x/√2))` (PyTorch `nn.GELU()`); the tanh form fails the parity fixtures. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2)))));
}

export class GELU extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x);
  }
}

export class ReLU extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}
