import { Linear, Module, SpecError, tf } from '@vitkit/core';
import { T2T_LINEAR_INIT } from './layers';
import type { TokenPerformer, TokenTransformer } from './layers';
import { restructurize, softSplit } from './soft-split';
import type { T2TOptions } from './t2t-options';
import { T2TTokenizer } from './t2t-tokenizer';

/** A parameter-free marker for `nn.Unfold` (no state; keeps the official member names readable). */
class SoftSplit extends Module {
  constructor(readonly kernel: number, readonly stride: number, readonly padding: number) {
    super();
  }
  forward(x: tf.Tensor4D): tf.Tensor3D {
    return softSplit(x, this.kernel, this.stride, this.padding);
  }
}

/** One T2T layer on tokens of width `dim` (C·k² of the split before it), giving tokens of width `tokenDim`. */
export type T2TLayerFactory = (dim: number) => TokenPerformer | TokenTransformer;

/**
 * The soft-split T2T module shared by the performer and transformer variants:
 * `SS0 → T2T layer 1 → reshape → SS1 → T2T layer 2 → reshape → SS2 → project`. Parameter names relative to it:
 * `attention1.*`, `attention2.*`, `project.*`; the variant chooses the T2T layer.
 */
export abstract class SoftSplitT2TTokenizer extends T2TTokenizer {
  readonly layers: Array<TokenPerformer | TokenTransformer> = [];
  readonly project: Linear;
  private readonly splits: SoftSplit[] = [];

  protected constructor(options: T2TOptions, path: string, layer: T2TLayerFactory) {
    super(options, path);
    for (const key of ['convActivation', 'convNorm'] as const) {
      if (options[key] !== 'none') {
        throw new SpecError([{ path: `${path}.${key}`, message: `applies to attention "convolution" only (attention is "${options.attention}")` }]);
      }
    }
    const n = options.kernelSizes.length;
    for (let i = 0; i < n; i++) this.splits.push(new SoftSplit(options.kernelSizes[i], options.strides[i], options.paddings[i]));
    for (let i = 0; i < n - 1; i++) this.layers.push(this.addModule(`attention${i + 1}`, layer(this.geometry.widths[i])));
    this.project = this.addModule('project', new Linear(this.geometry.widths[n - 1], options.embedDim, T2T_LINEAR_INIT));
  }

  forward(x: tf.Tensor4D): tf.Tensor3D {
    this.checkInput(x);
    return tf.tidy(() => {
      let tokens = this.splits[0].forward(x);
      for (let i = 0; i < this.layers.length; i++) {
        const g = this.geometry.grids[i];
        const img = restructurize(this.layers[i].forward(tokens), g, g);
        tokens = this.splits[i + 1].forward(img);
      }
      return this.project.forward(tokens) as tf.Tensor3D;
    });
  }

  /** Every split's and T2T layer's output, in the fixtures' layout (`soft_split*` as `[B, C·k², L]`). */
  override debugForward(x: tf.Tensor4D): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    let tokens = this.splits[0].forward(x);
    out.set('tokens_to_token.soft_split0', tf.transpose(tokens, [0, 2, 1]));
    for (let i = 0; i < this.layers.length; i++) {
      const g = this.geometry.grids[i];
      const y = this.layers[i].forward(tokens);
      tokens.dispose();
      out.set(`tokens_to_token.attention${i + 1}`, y);
      tokens = tf.tidy(() => this.splits[i + 1].forward(restructurize(y, g, g)));
      out.set(`tokens_to_token.soft_split${i + 1}`, tf.transpose(tokens, [0, 2, 1]));
    }
    out.set('tokens_to_token', this.project.forward(tokens));
    tokens.dispose();
    return out;
  }
}
