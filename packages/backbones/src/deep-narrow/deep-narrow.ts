import {
  Block,
  Dropout,
  Classifier,
  Layer,
  LayerNorm,
  ModuleList,
  Parameter,
  SpecError,
  Tokenizer,
  describeValue,
  init,
  s,
  sinusoidTable,
  tf,
} from '@vitkit/core';
import type { BuildContext, Head, ImageModelConfig, Schema, SchemaType, SpecIssue } from '@vitkit/core';
import { DenseBlock, DesignBlock, Transition } from './designs';

/** LayerNorm epsilon of T2T-ViT: PyTorch's default, never changed by the official code. */
export const DEEP_NARROW_NORM_EPS = 1e-5;

export const DEEP_NARROW_DESIGNS = ['standard', 'se', 'ghost', 'dense'] as const;
export type DeepNarrowDesign = (typeof DEEP_NARROW_DESIGNS)[number];

/**
 * Attention scale of the backbone blocks: a number, `'head'` (`(embedDim/numHeads)^-½`, the default and the
 * README evaluation path) or `'embed'` (`embedDim^-½`, what the official factories set when `pretrained=True`;
 * which one the released checkpoints need is unsettled, T2T issue #62).
 */
export const qkScaleSchema: Schema<number | 'head' | 'embed' | undefined> = {
  description: "a number > 0, 'head' (head_dim^-0.5, default) or 'embed' (embed_dim^-0.5, the official pretrained=True path)",
  hasDefault: true,
  parse(v, path, issues) {
    if (v === undefined || v === null) return undefined;
    if (v === 'head' || v === 'embed' || (typeof v === 'number' && Number.isFinite(v) && v > 0)) return v;
    issues.push({ path, message: `${describeValue(v)} is not valid; expected ${this.description}` });
    return undefined;
  },
};

export const deepNarrowOptionsSchema = s.object({
  imgSize: s.default(s.int({ min: 1 }), 224),
  inChans: s.default(s.int({ min: 1 }), 3),
  numClasses: s.default(s.int({ min: 0 }), 1000),
  embedDim: s.int({ min: 1 }),
  /** Number of blocks (ignored by the `dense` design, whose blocks come from `blockConfig`). */
  depth: s.default(s.int({ min: 1 }), 12),
  numHeads: s.int({ min: 1 }),
  mlpRatio: s.default(s.number({ gt: 0 }), 4),
  qkvBias: s.default(s.boolean(), false),
  qkScale: qkScaleSchema,
  dropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  attnDropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  dropPathRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  /** Tokenizer spec; it inherits imgSize, inChans and embedDim. Mounted as `tokens_to_token`. */
  tokenizer: s.default(s.component('tokenizer'), { type: 't2t' }),
  /**
   * Block design (paper Table 6, CNN → ViT): `standard` (ViT block), `se` (channel attention after the attention
   * projection), `ghost` (half of q/k/v and of the MLP from cheap depthwise ops), `dense` (DenseNet connections:
   * each block appends `growthRate` channels, stages of `blockConfig` blocks joined by halving transitions).
   * Shallow-wide vs deep-narrow and ResNeXt-style more heads are `embedDim`/`depth`/`numHeads` choices
   * (presets `t2t_vit_14_wide`, `t2t_vit_14_resnext`).
   */
  design: s.default(s.enum(DEEP_NARROW_DESIGNS), 'standard'),
  seReduction: s.default(s.int({ min: 1 }), 16),
  growthRate: s.default(s.int({ min: 1 }), 32),
  blockConfig: s.default(s.array(s.int({ min: 1 }), { minLength: 1 }), [3, 4, 6, 3]),
  /** Head spec (kind `head`) on the normalised class token; it inherits the feature width and numClasses. */
  head: s.default(s.component('head'), 'linear'),
});

export type DeepNarrowOptions = SchemaType<typeof deepNarrowOptionsSchema>;

const T2T_INIT = { weightInit: init.truncNormal(0.02), biasInit: init.zeros };

/** Replaces a child module (the core `Module` has no public API for it yet). */
/** `torch.linspace(0, rate, n)`. */
function linspace(rate: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? 0 : (rate * i) / (n - 1)));
}

/**
 * T2T-ViT (official `T2T_ViT`): tokenizer (`tokens_to_token`), `cls_token`, frozen sinusoid `pos_embed`
 * (a non-trainable parameter, in the state dict), `blocks.N` (pre-norm, no qkv bias, LayerNorm eps 1e-5),
 * final `norm`, `head` on the class token. Input NHWC, output logits.
 */
export class DeepNarrowViT extends Classifier {
  readonly config: ImageModelConfig;
  readonly embedDim: number;
  /** Width of the final features (differs from embedDim only for the dense design). */
  readonly numFeatures: number;
  readonly numTokens: number;
  readonly tokens_to_token: Tokenizer;
  readonly cls_token: Parameter;
  readonly pos_embed: Parameter;
  readonly blocks: ModuleList<Layer>;
  readonly norm: LayerNorm;
  private posDrop: Dropout;

  constructor(readonly options: DeepNarrowOptions, tokenizer: Tokenizer, ctx: BuildContext) {
    super();
    const o = options;
    const path = ctx.path;
    const issues = checkDeepNarrow(o, path);
    if (tokenizer.embedDim !== o.embedDim) {
      issues.push({ path: `${path}.tokenizer.embedDim`, message: `tokenizer width ${tokenizer.embedDim} differs from the backbone embedDim ${o.embedDim}` });
    }
    const tokImg = (tokenizer as { imgSize?: unknown }).imgSize;
    if (typeof tokImg === 'number' && tokImg !== o.imgSize) {
      issues.push({ path: `${path}.tokenizer.imgSize`, message: `tokenizer image size ${tokImg} differs from the backbone imgSize ${o.imgSize}; set imgSize on the backbone only` });
    }
    if (issues.length) {
      tokenizer.dispose();
      throw new SpecError(issues);
    }
    this.embedDim = o.embedDim;
    this.numTokens = tokenizer.numTokens;
    this.config = { inputSize: [o.imgSize, o.imgSize], inChans: o.inChans, numClasses: o.numClasses };
    this.cls_token = this.addParameter('cls_token', init.truncNormal(0.02)([1, 1, o.embedDim]), { decay: false });
    this.pos_embed = this.addParameter('pos_embed', sinusoidTable(this.numTokens + 1, o.embedDim), { trainable: false, decay: false });
    this.tokens_to_token = this.addModule('tokens_to_token', tokenizer);
    this.posDrop = this.addModule('pos_drop', new Dropout(o.dropRate));
    const qkScale = o.qkScale === 'embed' ? o.embedDim ** -0.5 : o.qkScale === 'head' ? undefined : o.qkScale;
    const common = { numHeads: o.numHeads, mlpRatio: o.mlpRatio, qkvBias: o.qkvBias, normEps: DEEP_NARROW_NORM_EPS, qkScale, drop: o.dropRate, attnDrop: o.attnDropRate, ...T2T_INIT };
    this.blocks = this.addModule('blocks', new ModuleList<Layer>());
    let outDim = o.embedDim;
    if (o.design === 'dense') {
      const total = o.blockConfig.reduce((a, b) => a + b, 0);
      const dpr = linspace(o.dropPathRate, total);
      let start = o.embedDim;
      let idx = 0;
      o.blockConfig.forEach((n, stage) => {
        for (let j = 0; j < n; j++) this.blocks.push(new DenseBlock(start + j * o.growthRate, o.growthRate, { ...common, dropPath: dpr[idx++] }));
        const end = start + n * o.growthRate;
        if (stage !== o.blockConfig.length - 1) {
          this.blocks.push(new Transition(end, Math.floor(end / 2), T2T_INIT));
          start = Math.floor(end / 2);
        } else {
          outDim = end;
        }
      });
    } else {
      const dpr = linspace(o.dropPathRate, o.depth);
      for (let i = 0; i < o.depth; i++) {
        this.blocks.push(
          o.design === 'standard'
            ? new Block(o.embedDim, { ...common, dropPath: dpr[i] })
            : new DesignBlock(o.embedDim, o.design, { ...common, dropPath: dpr[i], seReduction: o.seReduction }),
        );
      }
    }
    this.numFeatures = outDim;
    this.norm = this.addModule('norm', new LayerNorm(outDim, DEEP_NARROW_NORM_EPS));
    this.mountHead(ctx, o.head, [outDim]);
  }

  get head(): Head {
    return this.heads[0];
  }

  /** Normalised class-token features `[B, numFeatures]`. */
  forwardFeatures(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const tokens = this.tokens_to_token.forward(x);
      const b = tokens.shape[0];
      const cls = tf.tile(this.cls_token.variable, [b, 1, 1]);
      let h: tf.Tensor = tf.add(tf.concat([cls, tokens], 1), this.pos_embed.variable);
      h = this.posDrop.forward(h);
      for (const blk of this.blocks.items) h = blk.forward(h);
      h = this.norm.forward(h);
      return tf.reshape(tf.slice(h, [0, 0, 0], [b, 1, this.numFeatures]), [b, this.numFeatures]) as tf.Tensor2D;
    });
  }

  forwardPreLogits(x: tf.Tensor4D): tf.Tensor2D[] {
    return [this.forwardFeatures(x)];
  }

  override forward(x: tf.Tensor4D): tf.Tensor2D {
    if (x.rank !== 4) throw new Error(`T2T-ViT expects an NHWC batch [B, H, W, C], got shape [${x.shape}]`);
    return super.forward(x);
  }

  /** Accepts DataParallel checkpoints of the official training script (`module.` prefix). */
  adaptStateDictKey(key: string): string {
    return key.startsWith('module.') ? key.slice('module.'.length) : key;
  }

}

/** Cross-field checks of the backbone options; every issue names its option. */
export function checkDeepNarrow(o: DeepNarrowOptions, path: string): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (o.design === 'dense') {
    let start = o.embedDim;
    o.blockConfig.forEach((n, stage) => {
      for (let j = 0; j < n; j++) {
        const d = start + j * o.growthRate;
        if (d % o.numHeads !== 0) {
          issues.push({ path: `${path}.numHeads`, message: `dense block width ${d} (stage ${stage}, block ${j}) is not divisible by numHeads ${o.numHeads}; choose embedDim/growthRate multiples of numHeads` });
          return;
        }
      }
      start = Math.floor((start + n * o.growthRate) / 2);
    });
    return issues.slice(0, 1);
  }
  if (o.embedDim % o.numHeads !== 0) {
    issues.push({ path: `${path}.numHeads`, message: `embedDim ${o.embedDim} is not divisible by numHeads ${o.numHeads}` });
  }
  if (o.design === 'ghost') {
    if (o.embedDim % 2 !== 0) issues.push({ path: `${path}.embedDim`, message: `the ghost design generates half of q/k/v cheaply and needs an even embedDim; got ${o.embedDim}` });
    const hidden = Math.floor(o.embedDim * o.mlpRatio);
    if (hidden % o.embedDim !== 0) issues.push({ path: `${path}.mlpRatio`, message: `the ghost MLP needs an integer mlpRatio (hidden = ratio·embedDim); got ${o.mlpRatio}` });
  }
  if (o.design === 'se' && Math.floor(o.embedDim / o.seReduction) < 1) {
    issues.push({ path: `${path}.seReduction`, message: `embedDim ${o.embedDim} / seReduction ${o.seReduction} leaves no hidden unit` });
  }
  return issues;
}

/** Registry factory: validates, builds the tokenizer (inheriting imgSize, inChans, embedDim) and the model. */
export function createDeepNarrow(options: DeepNarrowOptions, ctx: BuildContext): DeepNarrowViT {
  const issues = checkDeepNarrow(options, ctx.path);
  if (issues.length) throw new SpecError(issues);
  const tokenizer = ctx.build('tokenizer', options.tokenizer, `${ctx.path}.tokenizer`, {
    imgSize: options.imgSize,
    inChans: options.inChans,
    embedDim: options.embedDim,
  });
  return new DeepNarrowViT(options, tokenizer, ctx);
}
