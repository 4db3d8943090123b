import { Linear, reportMacs, tf } from '@vitkit/core';
import { VtTokenizer, VtTokenizerOptions } from './common';

/**
 * Recurrent tokenizer (Eq. 2): `W_R = T_in W_T→R`, `T = SOFTMAX_HW(X W_R)ᵀ X`, with `W_T→R ∈ R^{CT×C}` stored
 * as `t2r` (bias-free Linear CT→C). The previous VT module's tokens `T_in` `[B, L, CT]` guide the grouping, so it
 * is used from the second VT module on; it outputs as many tokens as `T_in` has.
 */
export class RecurrentTokenizer extends VtTokenizer {
  override readonly needsPreviousTokens = true;
  readonly t2r: Linear;

  constructor(options: VtTokenizerOptions) {
    super(options);
    this.t2r = this.addModule('t2r', new Linear(options.tokenChannels, options.inChannels, { bias: false }));
  }

  protected attentionT(x3: tf.Tensor3D, _h: number, _w: number, tIn?: tf.Tensor3D): tf.Tensor3D {
    if (!tIn) {
      throw new Error('RecurrentTokenizer: needs the previous VT module\'s tokens (forward(x, tIn)); use a filter, clustering or pooling tokenizer in the first VT module');
    }
    if (tIn.rank !== 3 || tIn.shape[0] !== x3.shape[0] || tIn.shape[2] !== this.embedDim) {
      throw new Error(`RecurrentTokenizer: previous tokens must be [${x3.shape[0]}, L, ${this.embedDim}], got [${tIn.shape}]`);
    }
    const [b, hw, c] = x3.shape;
    const l = tIn.shape[1];
    reportMacs('matmul', b * l * c * hw);
    return tf.tidy(() => {
      const wr = this.t2r.forward(tIn) as tf.Tensor3D; // [B, L, C]
      return tf.softmax(tf.matMul(wr, x3, false, true)) as tf.Tensor3D; // [B, L, HW]
    });
  }
}
