import { FEATURE_MAP_TOKENIZER, Layer, Module, tf } from '@vitkit/core';
import type { FeatureMapTokenizer } from '@vitkit/core';
import { GraphConvInteraction, VtTransformer } from './interaction';
import { VtProjector } from './projector';

/** What a VT module needs from its tokenizer: core's `FeatureMapTokenizer` contract (the `@vitkit/tokenizers` VT tokenizers meet it). */
export type VtTokenizerLike = FeatureMapTokenizer;

/** Whether a built tokenizer meets the `FeatureMapTokenizer` contract. */
export function isVtTokenizer(t: unknown): t is FeatureMapTokenizer {
  return FEATURE_MAP_TOKENIZER.check(t).length === 0;
}

export type TokenInteraction = 'transformer' | 'graph-conv' | 'none';

export interface VtModuleOptions {
  /** Feature-map channels C. */
  channels: number;
  /** Token channels CT. */
  tokenChannels: number;
  numTokens: number;
  /** How tokens interact: the VT transformer (Eq. 3–4), a graph convolution, or nothing (Table 5). */
  interaction: TokenInteraction;
  /** Project the tokens back onto the feature map (Eq. 5); false = Table 7's "w/o projector". */
  projector: boolean;
  attnDim: number;
  ffnDim: number;
  projDim?: number;
}

/**
 * One Visual Transformer module: tokenizer → token interaction → projector. Parameter names
 * `tokenizer.*`, `transformer.{key,query,f1,f2}` (or `graph_conv.{node,state}`), `projector.{query,key,value}`.
 * `forward(x, tIn)` returns the refined feature map (the input itself without projector) and the output tokens.
 */
export class VtModule extends Module {
  readonly tokenizer: VtTokenizerLike;
  readonly interaction: Layer | null;
  readonly projector: VtProjector | null;

  constructor(readonly options: VtModuleOptions, tokenizer: VtTokenizerLike) {
    super();
    const o = options;
    if (tokenizer.embedDim !== o.tokenChannels) {
      throw new Error(`VtModule: the tokenizer makes ${tokenizer.embedDim}-channel tokens, the module expects ${o.tokenChannels}`);
    }
    this.tokenizer = this.addModule('tokenizer', tokenizer);
    if (o.interaction === 'transformer') {
      this.interaction = this.addModule('transformer', new VtTransformer({ dim: o.tokenChannels, attnDim: o.attnDim, ffnDim: o.ffnDim }));
    } else if (o.interaction === 'graph-conv') {
      this.interaction = this.addModule('graph_conv', new GraphConvInteraction(o.numTokens, o.tokenChannels));
    } else {
      this.interaction = null;
    }
    this.projector = o.projector ? this.addModule('projector', new VtProjector({ channels: o.channels, tokenChannels: o.tokenChannels, projDim: o.projDim })) : null;
  }

  forward(x: tf.Tensor4D, tIn?: tf.Tensor3D): { x: tf.Tensor4D; tokens: tf.Tensor3D } {
    return tf.tidy(() => {
      let t = this.tokenizer.forward(x, tIn);
      if (this.interaction) t = this.interaction.forward(t) as tf.Tensor3D;
      const out = this.projector ? this.projector.forward(x, t) : tf.clone(x);
      return { x: out, tokens: t };
    });
  }
}
