import { Attention, DropPath, Layer, LayerNorm, Linear, Mlp, residualAdd, tf } from '@vitkit/core';
import type { DesignBlockOptions } from './design-block-options';

/**
 * Dense-connection block (official T2T-ViT-Dense `Block`): an ordinary pre-norm block on width `dim`, then
 * `dense_linear` (dim → growthRate) and concatenation with the block input: output width `dim + growthRate`.
 */
export class DenseBlock extends Layer {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  readonly dense_linear: Linear;
  private readonly dropPath: DropPath;

  constructor(readonly dim: number, readonly growthRate: number, o: DesignBlockOptions) {
    super();
    const init = { weightInit: o.weightInit, biasInit: o.biasInit };
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, o.normEps));
    this.attn = this.addModule('attn', new Attention(dim, { numHeads: o.numHeads, qkvBias: o.qkvBias, qkScale: o.qkScale, attnDrop: o.attnDrop, projDrop: o.drop, ...init }));
    this.dropPath = this.addModule('drop_path', new DropPath(o.dropPath ?? 0));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim, o.normEps));
    this.mlp = this.addModule('mlp', new Mlp(dim, { hiddenFeatures: Math.floor(dim * o.mlpRatio), drop: o.drop, ...init }));
    this.dense_linear = this.addModule('dense_linear', new Linear(dim, growthRate, init));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = residualAdd(x, this.dropPath.forward(this.attn.forward(this.norm1.forward(x))));
      h = residualAdd(h, this.dropPath.forward(this.mlp.forward(this.norm2.forward(h))));
      return tf.concat([x, this.dense_linear.forward(h)], 2);
    });
  }
}
