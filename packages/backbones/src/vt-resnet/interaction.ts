import { Layer, Linear, relu, reportMacs, residualAdd, tf } from '@vitkit/core';

export interface VtTransformerOptions {
  /** Token channels CT. */
  dim: number;
  /** Width of the key/query projections K, Q (default CT/2). */
  attnDim: number;
  /** Hidden width of F1/F2 (default CT: F1, F2 ∈ R^{CT×CT} as in Eq. 4). */
  ffnDim: number;
  /** Multiplies the key·query logits; default attnDim^-0.5 (standard scaled dot product; Eq. 3 prints none). */
  scale?: number;
}

/**
 * The VT transformer over the visual tokens (Eq. 3–4), single head, bias-free point-wise projections, no
 * normalisation layers (none appear in the equations):
 *   T'out = Tin + SOFTMAX_L((Tin K)(Tin Q)ᵀ) Tin
 *   Tout  = T'out + ReLU(T'out F1) F2
 * Parameters `key` (K), `query` (Q), `f1`, `f2`.
 */
export class VtTransformer extends Layer {
  readonly key: Linear;
  readonly query: Linear;
  readonly f1: Linear;
  readonly f2: Linear;
  readonly scale: number;

  constructor(readonly options: VtTransformerOptions) {
    super();
    const { dim, attnDim, ffnDim } = options;
    this.key = this.addModule('key', new Linear(dim, attnDim, { bias: false }));
    this.query = this.addModule('query', new Linear(dim, attnDim, { bias: false }));
    this.f1 = this.addModule('f1', new Linear(dim, ffnDim, { bias: false }));
    this.f2 = this.addModule('f2', new Linear(ffnDim, dim, { bias: false }));
    this.scale = options.scale ?? attnDim ** -0.5;
  }

  forward(t: tf.Tensor): tf.Tensor3D {
    const [b, l, c] = t.shape;
    reportMacs('attention', b * l * l * this.options.attnDim + b * l * l * c);
    return tf.tidy(() => {
      const k = this.key.forward(t) as tf.Tensor3D;
      const q = this.query.forward(t) as tf.Tensor3D;
      const attn = tf.softmax(tf.mul(tf.matMul(k, q, false, true), this.scale)) as tf.Tensor3D; // [B, L, L], softmax over L
      const t1 = residualAdd(t, tf.matMul(attn, t as tf.Tensor3D));
      return residualAdd(t1, this.f2.forward(relu(this.f1.forward(t1)))) as tf.Tensor3D;
    });
  }
}

/**
 * Graph-convolution token interaction (Table 5 ablation), GloRe-style: a fixed (input-independent) L×L node
 * adjacency `node` mixes the tokens, a bias-free CT×CT `state` update follows, ReLU, residual:
 *   Tout = Tin + ReLU(((I + A_g) Tin) W_g)
 * Unlike the transformer, the weights between tokens do not depend on the input.
 */
export class GraphConvInteraction extends Layer {
  /** A_g, stored as a Linear over the token axis (`[L, L]`, with bias like GloRe's node-wise Conv1d). */
  readonly node: Linear;
  readonly state: Linear;

  constructor(readonly numTokens: number, readonly dim: number) {
    super();
    this.node = this.addModule('node', new Linear(numTokens, numTokens));
    this.state = this.addModule('state', new Linear(dim, dim, { bias: false }));
  }

  forward(t: tf.Tensor): tf.Tensor3D {
    const [b, l, c] = t.shape;
    if (l !== this.numTokens) throw new Error(`GraphConvInteraction: built for ${this.numTokens} tokens, got ${l}`);
    return tf.tidy(() => {
      // node mixing on [B·C, L]: (A_g T) along the token axis
      const tt = tf.reshape(tf.transpose(t, [0, 2, 1]), [b * c, l]);
      const mixed = tf.transpose(tf.reshape(this.node.forward(tt), [b, c, l]), [0, 2, 1]);
      const h = residualAdd(t, mixed);
      return residualAdd(t, relu(this.state.forward(h))) as tf.Tensor3D;
    });
  }
}
