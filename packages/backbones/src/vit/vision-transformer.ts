import { Block, BuildContext, Classifier, Dropout, ImageModelConfig, init, LayerNorm, ModuleList, Parameter, s, tf, Tokenizer } from '@vitkit/core';
import type { Head } from '@vitkit/core';
import type { SchemaType } from '@vitkit/core';

export const vitOptions = s.object({
  imgSize: s.default(s.int({ min: 1 }), 224),
  inChans: s.default(s.int({ min: 1 }), 3),
  numClasses: s.default(s.int({ min: 0 }), 1000),
  embedDim: s.default(s.int({ min: 1 }), 768),
  depth: s.default(s.int({ min: 1 }), 12),
  numHeads: s.default(s.int({ min: 1 }), 12),
  mlpRatio: s.default(s.number({ gt: 0 }), 4),
  qkvBias: s.default(s.boolean(), true),
  normEps: s.default(s.number({ gt: 0 }), 1e-6),
  dropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  attnDropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  dropPathRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  globalPool: s.default(s.enum(['token', 'avg'] as const), 'token'),
  /** Tokenizer spec; it inherits imgSize, inChans and embedDim. Mounted as `patch_embed`. */
  tokenizer: s.default(s.component('tokenizer'), { type: 'patch', patchSize: 16 }),
  /** Head spec (kind `head`); it inherits the feature width and numClasses. Mounted as `head`. */
  head: s.default(s.component('head'), 'linear'),
});

export type VisionTransformerOptions = SchemaType<typeof vitOptions>;

/**
 * Plain ViT (timm `VisionTransformer` names: `patch_embed`, `cls_token`, `pos_embed`, `blocks`, `norm`, `head`):
 * the first end-to-end model, with any registered tokenizer in place of the patch embedding.
 */
export class VisionTransformer extends Classifier {
  readonly config: ImageModelConfig;
  readonly patchEmbed: Tokenizer;
  readonly clsToken: Parameter;
  readonly posEmbed: Parameter;
  readonly blocks: ModuleList<Block>;
  readonly norm: LayerNorm;
  private readonly posDrop: Dropout;

  constructor(readonly options: VisionTransformerOptions, ctx: BuildContext) {
    super();
    const o = options;
    this.config = { inputSize: [o.imgSize, o.imgSize], inChans: o.inChans, numClasses: o.numClasses };
    this.patchEmbed = this.addModule(
      'patch_embed',
      ctx.build('tokenizer', o.tokenizer, `${ctx.path}.tokenizer`, { imgSize: o.imgSize, inChans: o.inChans, embedDim: o.embedDim }),
    );
    const n = this.patchEmbed.numTokens + 1;
    this.clsToken = this.addParameter('cls_token', init.truncNormal(0.02)([1, 1, o.embedDim]), { decay: false });
    this.posEmbed = this.addParameter('pos_embed', init.truncNormal(0.02)([1, n, o.embedDim]), { decay: false });
    this.posDrop = this.addModule('pos_drop', new Dropout(o.dropRate));
    this.blocks = this.addModule('blocks', new ModuleList<Block>());
    for (let i = 0; i < o.depth; i++) {
      const dropPath = o.depth > 1 ? (o.dropPathRate * i) / (o.depth - 1) : 0;
      this.blocks.push(
        new Block(o.embedDim, {
          numHeads: o.numHeads, mlpRatio: o.mlpRatio, qkvBias: o.qkvBias, normEps: o.normEps,
          drop: o.dropRate, attnDrop: o.attnDropRate, dropPath, weightInit: init.truncNormal(0.02), biasInit: init.zeros,
        }),
      );
    }
    this.norm = this.addModule('norm', new LayerNorm(o.embedDim, o.normEps));
    this.mountHead(ctx, o.head, [o.embedDim]);
  }

  get head(): Head {
    return this.heads[0];
  }

  /** Token features after the final norm: `[B, N + 1, D]`. */
  forwardFeatures(x: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const tokens = this.patchEmbed.forward(x);
      const b = tokens.shape[0];
      const cls = tf.tile(this.clsToken.variable, [b, 1, 1]);
      let h: tf.Tensor = this.posDrop.forward(tf.add(tf.concat([cls, tokens], 1), this.posEmbed.variable));
      for (const blk of this.blocks.items) h = blk.forward(h);
      return this.norm.forward(h) as tf.Tensor3D;
    });
  }

  /** The pooled features the head reads: the class token (`globalPool: 'token'`) or the mean patch token. */
  forwardPreLogits(x: tf.Tensor4D): tf.Tensor2D[] {
    return tf.tidy(() => {
      const h = this.forwardFeatures(x);
      const [b, n, d] = h.shape;
      return [this.options.globalPool === 'avg' ? tf.mean(tf.slice(h, [0, 1, 0], [b, n - 1, d]), 1) : tf.reshape(tf.slice(h, [0, 0, 0], [b, 1, d]), [b, d])] as tf.Tensor2D[];
    });
  }
}
