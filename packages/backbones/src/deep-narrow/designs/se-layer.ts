import { Layer, Linear, ReLU, Sequential, tf } from '@vitkit/core';
import type { Initializer } from '@vitkit/core';

/** The gate at the end of `fc` (PyTorch `nn.Sigmoid`; parameter-free, so it adds no state-dict names). */
class Sigmoid extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.sigmoid(x);
  }
}

/**
 * Squeeze-and-excitation over channels of a token sequence (official `SELayer`): mean over tokens,
 * `fc = [Linear(C→C/r, no bias), ReLU, Linear(C/r→C, no bias), Sigmoid]`, channel-wise rescale.
 */
export class SELayer extends Layer {
  readonly fc: Sequential;

  constructor(readonly channels: number, reduction = 16, init: { weightInit?: Initializer } = {}) {
    super();
    const hidden = Math.floor(channels / reduction);
    if (hidden < 1) throw new Error(`SELayer: ${channels} channels / reduction ${reduction} leaves no hidden unit`);
    this.fc = this.addModule(
      'fc',
      new Sequential([new Linear(channels, hidden, { bias: false, ...init }), new ReLU(), new Linear(hidden, channels, { bias: false, ...init }), new Sigmoid()]),
    );
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [b, , c] = x.shape;
      const y = this.fc.forward(tf.mean(x, 1)); // [B, C]
      return tf.mul(x, tf.reshape(y, [b, 1, c]));
    });
  }
}
