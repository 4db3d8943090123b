import { tf } from '@vitkit/core';
import { adaptivePoolMatrix, tokenGrid, VtTokenizer, VtTokenizerOptions } from './common';

/**
 * Pooling-based tokenizer (the Table 3 baseline): spatially downsamples the feature map to L tokens with
 * PyTorch `adaptive_avg_pool2d` onto a `rows × cols` grid (rows·cols = L, as square as possible: 16 → 4×4), i.e.
 * a fixed attention `A` whose column l averages bin l. No grouping by semantics, no parameters besides `value`.
 */
export class PoolingTokenizer extends VtTokenizer {
  readonly grid: [number, number];

  constructor(options: VtTokenizerOptions) {
    super(options);
    this.grid = tokenGrid(options.numTokens);
  }

  protected attentionT(x3: tf.Tensor3D, h: number, w: number): tf.Tensor3D {
    const [gh, gw] = this.grid;
    if (h < gh || w < gw) throw new Error(`PoolingTokenizer: a ${h}×${w} feature map is smaller than the ${gh}×${gw} token grid`);
    const b = x3.shape[0];
    return tf.tidy(() => tf.tile(tf.tensor3d(adaptivePoolMatrix(h, w, gh, gw), [1, gh * gw, h * w]), [b, 1, 1]) as tf.Tensor3D);
  }
}
