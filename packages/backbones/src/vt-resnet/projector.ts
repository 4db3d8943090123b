import { Linear, Module, reportMacs, residualAdd, tf } from '@vitkit/core';

export interface VtProjectorOptions {
  /** Channels C of the feature map. */
  channels: number;
  /** Channels CT of the tokens. When CT ≠ C a bias-free value projection `value` (CT→C) maps tokens to C. */
  tokenChannels: number;
  /** Width of the query/key projections W_Q, W_K (default C, as in Eq. 5). */
  projDim?: number;
  /** Multiplies the query·key logits; default projDim^-0.5 (Eq. 5 prints none). */
  scale?: number;
}

/**
 * The VT projector (Eq. 5): fuses tokens back into a feature map,
 *   Xout = Xin + SOFTMAX_L((Xin W_Q)(T W_K)ᵀ) (T W_V)
 * Parameters `query` (W_Q, C→D), `key` (W_K, CT→D) and, when CT ≠ C, `value` (W_V, CT→C); all bias-free.
 * Works on a feature map of any size and any number of tokens (so VT-FPN can project onto every pyramid level).
 */
export class VtProjector extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear | null;
  readonly projDim: number;
  readonly scale: number;

  constructor(readonly options: VtProjectorOptions) {
    super();
    const { channels, tokenChannels } = options;
    this.projDim = options.projDim ?? channels;
    this.query = this.addModule('query', new Linear(channels, this.projDim, { bias: false }));
    this.key = this.addModule('key', new Linear(tokenChannels, this.projDim, { bias: false }));
    this.value = tokenChannels !== channels ? this.addModule('value', new Linear(tokenChannels, channels, { bias: false })) : null;
    this.scale = options.scale ?? this.projDim ** -0.5;
  }

  /** `x` `[B, H, W, C]`, `tokens` `[B, L, CT]` → `[B, H, W, C]`. */
  forward(x: tf.Tensor4D, tokens: tf.Tensor3D): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    if (c !== this.options.channels) throw new Error(`VtProjector: expected ${this.options.channels} feature channels, got shape [${x.shape}]`);
    const l = tokens.shape[1];
    reportMacs('attention', b * h * w * l * this.projDim + b * h * w * l * c);
    return tf.tidy(() => {
      const x3 = tf.reshape(x, [b, h * w, c]);
      const q = this.query.forward(x3) as tf.Tensor3D; // [B, HW, D]
      const k = this.key.forward(tokens) as tf.Tensor3D; // [B, L, D]
      const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), this.scale)) as tf.Tensor3D; // [B, HW, L], softmax over L
      const v = (this.value ? this.value.forward(tokens) : tokens) as tf.Tensor3D; // [B, L, C]
      return tf.reshape(residualAdd(x3, tf.matMul(attn, v)), [b, h, w, c]) as tf.Tensor4D;
    });
  }
}
