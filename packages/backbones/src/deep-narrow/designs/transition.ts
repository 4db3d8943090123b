import { GELU, Layer, Linear, tf } from '@vitkit/core';
import type { Initializer } from '@vitkit/core';

/** DenseNet transition between dense stages (official `Transition`): `GELU(Linear(in → out))`. */
export class Transition extends Layer {
  readonly linear: Linear;
  private readonly act: GELU;

  constructor(inFeatures: number, outFeatures: number, init: { weightInit?: Initializer; biasInit?: Initializer } = {}) {
    super();
    this.act = this.addModule('act', new GELU());
    this.linear = this.addModule('linear', new Linear(inFeatures, outFeatures, init));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.act.forward(this.linear.forward(x)));
  }
}
