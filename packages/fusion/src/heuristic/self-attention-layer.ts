import { Attention, DropPath, Layer, LayerNorm, residualAdd, tf } from '@vitkit/core';
import { linearInit } from '../common';

/** `y + DropPath(MSA(LN(y)))`, the joint self-attention of all-attention fusion (no MLP, as in Eq. 2). */
export class SelfAttentionLayer extends Layer {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  private readonly dropPath: DropPath;

  constructor(dim: number, o: { numHeads: number; qkvBias: boolean; qkScale?: number; attnDrop: number; drop: number; normEps: number; dropPath: number }) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, o.normEps));
    this.attn = this.addModule(
      'attn',
      new Attention(dim, { numHeads: o.numHeads, qkvBias: o.qkvBias, qkScale: o.qkScale, attnDrop: o.attnDrop, projDrop: o.drop, ...linearInit }),
    );
    this.dropPath = this.addModule('drop_path', new DropPath(o.dropPath));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => residualAdd(x, this.dropPath.forward(this.attn.forward(this.norm1.forward(x)))));
  }
}
