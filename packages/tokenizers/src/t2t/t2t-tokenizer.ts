import { Tokenizer, tf } from '@vitkit/core';
import type { Conv2d, Linear } from '@vitkit/core';
import { t2tGeometry } from './t2t-geometry';
import type { T2TGeometry } from './t2t-geometry';
import type { T2TAttention, T2TOptions } from './t2t-options';

/**
 * Tokens-to-Token module (official `T2T_module`), mounted by the T2T-ViT backbone as `tokens_to_token`. What the
 * three variants share: the split geometry (checked here), the token grid, the input check and the final `project`.
 * The variants are {@link PerformerT2TTokenizer} (T2T-ViT), {@link TransformerT2TTokenizer} (T2T-ViT_t), both soft
 * splits with T2T layers, and {@link ConvolutionT2TTokenizer} (T2T-ViT_c); `createT2TTokenizer` picks one from
 * the `attention` option.
 */
export abstract class T2TTokenizer extends Tokenizer {
  readonly embedDim: number;
  readonly numTokens: number;
  readonly gridSize: number;
  readonly imgSize: number;
  readonly geometry: T2TGeometry;
  readonly attention: T2TAttention;
  abstract readonly project: Linear | Conv2d;

  protected constructor(readonly options: T2TOptions, path: string) {
    super();
    this.geometry = t2tGeometry(options, path);
    this.attention = options.attention;
    this.embedDim = options.embedDim;
    this.gridSize = this.geometry.grids[options.kernelSizes.length - 1];
    this.imgSize = Array.isArray(options.imgSize) ? options.imgSize[0] : options.imgSize;
    this.numTokens = this.gridSize * this.gridSize;
  }

  /**
   * Intermediate activations for debugging, in the fixtures' layout (`tokens_to_token.*`); this default has the
   * output only (the convolution variant has no intermediate the reference records).
   */
  debugForward(x: tf.Tensor4D): Map<string, tf.Tensor> {
    return new Map<string, tf.Tensor>([['tokens_to_token', this.forward(x)]]);
  }

  /** Throws when the image is not the size and channel count the tokenizer was built for. */
  protected checkInput(x: tf.Tensor4D): void {
    const [, h, w, c] = x.shape;
    if (h !== this.imgSize || w !== this.imgSize || c !== this.options.inChans) {
      throw new Error(`t2t tokenizer: input is ${h}×${w}×${c} (NHWC), but the model was built for imgSize ${this.imgSize}, inChans ${this.options.inChans}`);
    }
  }
}
