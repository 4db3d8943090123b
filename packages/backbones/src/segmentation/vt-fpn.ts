import { Conv2d, FEATURE_MAP_TOKENIZER, Module, s, SpecError, tf } from '@vitkit/core';
import type { BuildContext, ComponentDefinition, FeatureMapTokenizer, Neck, SchemaType } from '@vitkit/core';
import { VtTransformer } from '../vt-resnet/interaction';
import { VtProjector } from '../vt-resnet/projector';
import { xavierFillConv } from './conv';
import { levelName } from './upsample';

export const vtFpnOptions = s.object({
  /** Channels of the backbone's feature maps, finest first (inherited from the backbone). */
  inChannels: s.array(s.int({ min: 1 }), { minLength: 1 }),
  /** Their strides (inherited); names carry log2(stride) as in the FPN. */
  strides: s.default(s.array(s.int({ min: 1 }), { minLength: 1 }), [4, 8, 16, 32]),
  /** Width of every level after its lateral 1×1 conv (the FPN's 256). */
  outChannels: s.default(s.int({ min: 1 }), 256),
  /** Visual tokens per level (VT paper §4.2: 8). */
  numTokens: s.default(s.int({ min: 1 }), 8),
  /** Token channels CT (VT paper §4.2: 1024). */
  tokenChannels: s.default(s.int({ min: 1 }), 1024),
  /** Tokenizer of every level (a Visual Transformer tokenizer that reads no previous tokens; the paper's filter). */
  tokenizer: s.default(s.component('tokenizer'), 'filter'),
  /** Key/query width of the transformer (default CT/2, as in VT-ResNet). */
  attnDim: s.optional(s.int({ min: 1 })),
  /** Hidden width of the transformer's feed-forward (default CT). */
  ffnDim: s.optional(s.int({ min: 1 })),
  /**
   * Query/key width of the projectors. The paper does not state it; 32 puts the module at 8.7 G MACs at 800×1216,
   * next to the paper's 8.5 G (the feature width 256, VtProjector's default, would give 13.6 G).
   */
  projDim: s.default(s.int({ min: 1 }), 32),
});

export type VtFpnOptions = SchemaType<typeof vtFpnOptions>;

/**
 * VT-FPN (Wu et al. 2020, §4.2, Figure 4 right): the FPN's lateral 1×1 convs bring every level to `outChannels`;
 * there, instead of the top-down pathway and the 3×3 output convs, a tokenizer per level (`tokenizerN`) extracts
 * `numTokens` visual tokens of `tokenChannels`, one transformer (`transformer`) relates the tokens of all levels
 * together, and a projector per level (`projectorN`) writes that level's tokens back into its feature map. The
 * transformer and projectors are VT-ResNet's; the tokenizer is built through the registry (kind `tokenizer`).
 */
export class VtFpn extends Module implements Neck {
  readonly outChannels: readonly number[];
  readonly laterals: Conv2d[] = [];
  readonly tokenizers: FeatureMapTokenizer[] = [];
  readonly transformer: VtTransformer;
  readonly projectors: VtProjector[] = [];

  constructor(readonly options: VtFpnOptions, ctx: BuildContext) {
    super();
    const { inChannels, strides, outChannels, numTokens, tokenChannels: ct } = options;
    const path = ctx.path;
    if (strides.length !== inChannels.length) throw new Error(`${path}: ${inChannels.length} input levels but ${strides.length} strides`);
    const names = strides.map((st) => levelName(st, path));
    inChannels.forEach((c, i) => this.laterals.push(this.addModule(`fpn_lateral${names[i]}`, xavierFillConv(c, outChannels, 1))));
    try {
      names.forEach((n) => {
        const tok = ctx.build<FeatureMapTokenizer>('tokenizer', options.tokenizer, `${path}.tokenizer`, { inChannels: outChannels, tokenChannels: ct, numTokens });
        this.addModule(`tokenizer${n}`, tok);
        const missing = FEATURE_MAP_TOKENIZER.check(tok);
        if (missing.length || tok.needsPreviousTokens || tok.numTokens !== numTokens || tok.embedDim !== ct) {
          throw new SpecError([{ path: `${path}.tokenizer`, message: `VT-FPN needs a Visual Transformer tokenizer with ${numTokens} tokens of ${ct} channels that reads no previous tokens (filter, clustering or pooling)` }]);
        }
        this.tokenizers.push(tok);
      });
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.transformer = this.addModule('transformer', new VtTransformer({ dim: ct, attnDim: options.attnDim ?? Math.max(1, Math.floor(ct / 2)), ffnDim: options.ffnDim ?? ct }));
    names.forEach((n) => this.projectors.push(this.addModule(`projector${n}`, new VtProjector({ channels: outChannels, tokenChannels: ct, projDim: options.projDim }))));
    this.outChannels = inChannels.map(() => outChannels);
  }

  forward(features: tf.Tensor[]): tf.Tensor4D[] {
    if (features.length !== this.laterals.length) throw new Error(`VtFpn: expected ${this.laterals.length} feature maps, got ${features.length}`);
    return tf.tidy(() => {
      const maps = features.map((f, i) => this.laterals[i].forward(f) as tf.Tensor4D);
      const tokens = maps.map((m, i) => this.tokenizers[i].forward(m));
      // One transformer over the tokens of all levels, so concepts at different resolutions interact.
      const related = this.transformer.forward(tf.concat(tokens, 1));
      const perLevel = tf.split(related, tokens.map((t) => t.shape[1]), 1) as tf.Tensor3D[];
      return maps.map((m, i) => this.projectors[i].forward(m, perLevel[i]));
    });
  }

  /** Keep (or stop keeping) every tokenizer's spatial attention for `lastAttentionMaps`. */
  recordAttention(on: boolean): void {
    for (const t of this.tokenizers) {
      t.recordAttention = on;
      if (!on) t.clearAttention();
    }
  }

  /** Each level's last spatial attention `[B, h, w, numTokens]` (clones, caller disposes), or null when not recorded. */
  lastAttentionMaps(): tf.Tensor4D[] | null {
    const maps = this.tokenizers.map((t) => t.lastAttention());
    return maps.every((m) => m) ? maps.map((m) => m!.clone()) : null;
  }
}

export const vtFpnNeck: ComponentDefinition<VtFpnOptions, VtFpn> = {
  kind: 'neck',
  name: 'vt-fpn',
  owner: '@vitkit/backbones',
  description: 'VT-FPN (VT paper §4.2): lateral 1×1, a tokenizer per level, one transformer over all levels\' tokens, projectors back into each level',
  options: vtFpnOptions,
  example: { inChannels: [4, 8, 16], strides: [4, 8, 16], outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 },
  create: (o: VtFpnOptions, ctx: BuildContext) => new VtFpn(o, ctx),
};

