import { DropPath, Layer, LayerNorm, Mlp, Module, residualAdd, tf } from '@vitkit/core';
import type { DesignBlockOptions } from './design-block-options';
import { SEAttention } from './se-attention';
import { GhostAttention } from './ghost-attention';
import { GhostMlp } from './ghost-mlp';

/** Pre-norm block with any attention / MLP (names norm1, attn, drop_path, norm2, mlp). */
export class DesignBlock extends Layer {
  readonly norm1: LayerNorm;
  readonly attn: Module & { forward(x: tf.Tensor): tf.Tensor };
  readonly norm2: LayerNorm;
  readonly mlp: Layer;
  private readonly dropPath: DropPath;

  constructor(readonly dim: number, design: 'se' | 'ghost', o: DesignBlockOptions & { seReduction?: number }) {
    super();
    const init = { weightInit: o.weightInit, biasInit: o.biasInit };
    const hidden = Math.floor(dim * o.mlpRatio);
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, o.normEps));
    const attnOpts = { qkvBias: o.qkvBias, qkScale: o.qkScale, attnDrop: o.attnDrop, projDrop: o.drop, ...init };
    this.attn = this.addModule('attn', design === 'se' ? new SEAttention(dim, o.numHeads, { ...attnOpts, seReduction: o.seReduction }) : new GhostAttention(dim, o.numHeads, attnOpts));
    this.dropPath = this.addModule('drop_path', new DropPath(o.dropPath ?? 0));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim, o.normEps));
    this.mlp = this.addModule('mlp', design === 'se' ? new Mlp(dim, { hiddenFeatures: hidden, drop: o.drop, ...init }) : new GhostMlp(dim, hidden, { drop: o.drop, ...init }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = residualAdd(x, this.dropPath.forward(this.attn.forward(this.norm1.forward(x))));
      return residualAdd(h, this.dropPath.forward(this.mlp.forward(this.norm2.forward(h))));
    });
  }
}
