import { tf } from '../tf';
import { Module } from './module';

/** A module with a single-tensor forward, so it can sit in a `Sequential`. */
export abstract class Layer extends Module {
  abstract forward(x: tf.Tensor): tf.Tensor;
}

/** PyTorch `nn.Sequential`: children named `0`, `1`, ...; parameter-free layers keep their index. */
export class Sequential extends Layer {
  readonly layers: Layer[];

  constructor(layers: Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.addModule(String(i), l));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((h, l) => l.forward(h), x));
  }
}

export class Identity extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}
