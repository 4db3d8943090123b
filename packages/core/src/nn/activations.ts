import { tf } from '../tf';
import { relu } from '../ops/relu';
import { gelu } from '../ops/gelu';
import { Layer } from './layer';

export { gelu };

export class GELU extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x);
  }
}

export class ReLU extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return relu(x);
  }
}
