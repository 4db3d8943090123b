import { Conv2d, ReLU, s, Sequential, SpecError, tf, Tokenizer } from '@vitkit/core';
import type { SchemaType } from '@vitkit/core';

export const convStemOptions = s.object({
  imgSize: s.int({ min: 1 }),
  /** 12 or 16: the only patch sizes the official `multi_conv` embedding defines. */
  patchSize: s.int({ min: 1 }),
  inChans: s.default(s.int({ min: 1 }), 3),
  embedDim: s.int({ min: 4 }),
});

export type ConvStemOptions = SchemaType<typeof convStemOptions>;

/** `[kernel, stride, padding]` of the three convs, per patch size (official CrossViT `PatchEmbed(multi_conv=True)`). */
export const CONV_STEM_LAYERS: Record<number, Array<[number, number, number]>> = {
  12: [
    [7, 4, 3],
    [3, 3, 0],
    [3, 1, 1],
  ],
  16: [
    [7, 4, 3],
    [3, 2, 1],
    [3, 2, 1],
  ],
};

/**
 * The 3-conv patch embedding of the CrossViT† models: `Conv(C/4, k7 s4 p3) → ReLU → Conv(C/2) → ReLU → Conv(C)`,
 * all with bias and no norm, stored as the Sequential `proj` (`proj.0`, `proj.2`, `proj.4`). Tokens are the output
 * positions in row-major order (PyTorch `flatten(2).transpose(1, 2)`).
 */
export class ConvStem extends Tokenizer {
  readonly proj: Sequential;
  readonly embedDim: number;
  readonly numTokens: number;
  readonly grid: [number, number];

  constructor(readonly options: ConvStemOptions, path = 'tokenizer') {
    super();
    const { imgSize, patchSize, inChans, embedDim } = options;
    const layers = CONV_STEM_LAYERS[patchSize];
    if (!layers) {
      throw new SpecError([{ path: `${path}.patchSize`, message: `${patchSize} is not supported by the conv stem; allowed: ${Object.keys(CONV_STEM_LAYERS).join(', ')}` }]);
    }
    if (embedDim % 4 !== 0) {
      throw new SpecError([{ path: `${path}.embedDim`, message: `${embedDim} is not divisible by 4 (the stem widths are embedDim/4 and embedDim/2)` }]);
    }
    if (imgSize % patchSize !== 0) {
      throw new SpecError([{ path: `${path}.imgSize`, message: `${imgSize} is not divisible by patchSize ${patchSize}` }]);
    }
    const widths = [inChans, embedDim / 4, embedDim / 2, embedDim];
    const convs = layers.map(([k, st, p], i) => new Conv2d(widths[i], widths[i + 1], k, { stride: st, padding: p }));
    this.proj = this.addModule('proj', new Sequential([convs[0], new ReLU(), convs[1], new ReLU(), convs[2]]));
    const side = convs.reduce((sz, c) => c.outputSize(sz), imgSize);
    this.embedDim = embedDim;
    this.grid = [side, side];
    this.numTokens = side * side;
  }

  forward(x: tf.Tensor4D): tf.Tensor3D {
    const { imgSize, inChans } = this.options;
    if (x.rank !== 4 || x.shape[1] !== imgSize || x.shape[2] !== imgSize || x.shape[3] !== inChans) {
      throw new Error(`ConvStem: expected input [B, ${imgSize}, ${imgSize}, ${inChans}], got [${x.shape}]`);
    }
    return tf.tidy(() => tf.reshape(this.proj.forward(x), [x.shape[0], this.numTokens, this.embedDim]) as tf.Tensor3D);
  }
}
