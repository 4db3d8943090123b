import { Linear, tf } from '@vitkit/core';
import { VtTokenizer, VtTokenizerOptions } from './common';

/**
 * Filter-based tokenizer (Eq. 1): `T = SOFTMAX_HW(X W_A)ᵀ X`, `W_A ∈ R^{C×L}` a point-wise (1×1, bias-free)
 * convolution stored as `attn` (a Linear C→L on the pixels).
 */
export class FilterTokenizer extends VtTokenizer {
  readonly attn: Linear;

  constructor(options: VtTokenizerOptions) {
    super(options);
    this.attn = this.addModule('attn', new Linear(options.inChannels, options.numTokens, { bias: false }));
  }

  protected attentionT(x3: tf.Tensor3D): tf.Tensor3D {
    // Softmax over the HW pixels = over the last axis of (X W_A)ᵀ.
    return tf.tidy(() => tf.softmax(tf.transpose(this.attn.forward(x3), [0, 2, 1])) as tf.Tensor3D);
  }
}
