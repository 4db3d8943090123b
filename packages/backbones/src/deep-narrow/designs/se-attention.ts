import { Dropout, Linear, Module, selfAttentionFromQkv, tf } from '@vitkit/core';
import type { Initializer } from '@vitkit/core';
import { SELayer } from './se-layer';

/** timm attention followed by an SE layer on the projected output (official T2T-ViT-SE `Attention`). */
export class SEAttention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly se_layer: SELayer;
  readonly scale: number;
  private readonly attnDrop: Dropout;
  private readonly projDrop: Dropout;

  constructor(readonly dim: number, readonly numHeads: number, o: { qkvBias: boolean; qkScale?: number; attnDrop?: number; projDrop?: number; seReduction?: number; weightInit?: Initializer; biasInit?: Initializer }) {
    super();
    const init = { weightInit: o.weightInit, biasInit: o.biasInit };
    this.scale = o.qkScale ?? (dim / numHeads) ** -0.5;
    this.qkv = this.addModule('qkv', new Linear(dim, dim * 3, { bias: o.qkvBias, ...init }));
    this.attnDrop = this.addModule('attn_drop', new Dropout(o.attnDrop ?? 0));
    this.proj = this.addModule('proj', new Linear(dim, dim, init));
    this.projDrop = this.addModule('proj_drop', new Dropout(o.projDrop ?? 0));
    this.se_layer = this.addModule('se_layer', new SELayer(dim, o.seReduction ?? 16, { weightInit: o.weightInit }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const out = selfAttentionFromQkv(this.qkv.forward(x), this.numHeads, this.scale, this.attnDrop, this);
      return this.projDrop.forward(this.se_layer.forward(this.proj.forward(out)));
    });
  }
}
