import { Layer, Parameter, nextSeed, reportMacs, tf } from '@vitkit/core';

/** A depthwise 1×1 `Conv1d(C, C, k=1, groups=C, bias=False)` on `[B, N, C]`: a per-channel scale, weight `[C, 1, 1]`. */
export class CheapOperation extends Layer {
  readonly weight: Parameter;

  constructor(readonly channels: number) {
    super();
    // PyTorch's Conv1d default init: U(±1/√fan_in), fan_in = 1 for a depthwise 1×1.
    this.weight = this.addParameter('weight', tf.randomUniform([channels, 1, 1], -1, 1, 'float32', nextSeed()), { decay: true });
  }

  forward(x: tf.Tensor): tf.Tensor {
    const rows = x.size / this.channels;
    reportMacs('conv', rows * this.channels);
    return tf.tidy(() => tf.mul(x, tf.reshape(this.weight.variable, [this.channels])));
  }
}
