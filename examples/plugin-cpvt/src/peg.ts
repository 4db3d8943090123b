import { Module, Sequential, tf } from '@vitkit/core';
import { DepthwiseConv2d } from './depthwise';

/**
 * Positional Encoding Generator (CPVT, Chu et al. 2021; official `PosCNN`): the patch tokens are reshaped to
 * their 2-D grid, a zero-padded depthwise k×k convolution is applied and added back (`proj(x) + x`), and the
 * result is flattened again. Positions come from the zero padding at the borders, so the encoding follows the
 * input size. Parameter names: `proj.0.weight` `[C, 1, k, k]`, `proj.0.bias` `[C]`.
 */
export class PositionalEncodingGenerator extends Module {
  readonly proj: Sequential;

  constructor(readonly embedDim: number, kernelSize = 3) {
    super();
    this.proj = this.addModule('proj', new Sequential([new DepthwiseConv2d(embedDim, { kernelSize })]));
  }

  /** `tokens`: `[B, H·W, C]` patch tokens (no class token) on an `H × W` grid. */
  forward(tokens: tf.Tensor3D, grid: [number, number]): tf.Tensor3D {
    const [b, n, c] = tokens.shape;
    const [h, w] = grid;
    if (n !== h * w) throw new Error(`PositionalEncodingGenerator: ${n} tokens do not form a ${h}×${w} grid`);
    return tf.tidy(() => {
      const feat = tf.reshape(tokens, [b, h, w, c]);
      return tf.reshape(tf.add(this.proj.forward(feat), feat), [b, n, c]) as tf.Tensor3D;
    });
  }
}
