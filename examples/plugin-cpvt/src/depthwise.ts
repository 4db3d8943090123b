import { init, Layer, Parameter, reportMacs, tf } from '@vitkit/core';

export interface DepthwiseConv2dOptions {
  /** Odd kernel size; the convolution is "same" (zero padding (k-1)/2, stride 1). Default 3. */
  kernelSize?: number;
  bias?: boolean;
}

/**
 * Depthwise 2-D convolution (PyTorch `nn.Conv2d(C, C, k, 1, k // 2, groups=C)`) on NHWC tensors.
 *
 * The weight is stored HWIO as `[k, k, 1, C]` (layout `conv2d`, so it loads from / saves to PyTorch's
 * `[C, 1, k, k]`). The forward is written as k² shifted slices of the zero-padded input times per-channel
 * weights: exact, and differentiable with pad/slice/mul/add only, so it trains on backends that lack the
 * DepthwiseConv2dNative backprop kernels (wasm).
 */
export class DepthwiseConv2d extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly kernelSize: number;

  constructor(readonly channels: number, options: DepthwiseConv2dOptions = {}) {
    super();
    const k = options.kernelSize ?? 3;
    if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new Error(`DepthwiseConv2d: kernelSize must be an odd positive integer, got ${k}`);
    this.kernelSize = k;
    // PyTorch's default init for a grouped conv: fan_in = (C / groups) * k * k = k * k.
    const bound = 1 / Math.sqrt(k * k);
    this.weight = this.addParameter('weight', init.uniform(bound)([k, k, 1, channels]), { layout: 'conv2d' });
    this.bias = options.bias === false ? null : this.addParameter('bias', init.uniform(bound)([channels]), { decay: false });
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.channels) {
      throw new Error(`DepthwiseConv2d(${this.channels}): expected NHWC input with ${this.channels} channels, got shape [${x.shape}]`);
    }
    const [b, h, w, c] = x.shape as [number, number, number, number];
    const k = this.kernelSize;
    const p = (k - 1) / 2;
    reportMacs('conv', b * h * w * c * k * k);
    return tf.tidy(() => {
      const padded = p > 0 ? tf.pad(x as tf.Tensor4D, [[0, 0], [p, p], [p, p], [0, 0]]) : (x as tf.Tensor4D);
      const taps = tf.reshape(this.weight.variable, [k * k, c]);
      let y: tf.Tensor | null = null;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const tap = tf.reshape(tf.slice(taps, [i * k + j, 0], [1, c]), [c]);
          const term = tf.mul(tf.slice(padded, [0, i, j, 0], [b, h, w, c]), tap);
          y = y === null ? term : tf.add(y, term);
        }
      }
      if (this.bias) y = tf.add(y!, this.bias.variable);
      return y!;
    });
  }
}
