import { Conv2d, reportMacs, SpecError, tf, Tokenizer } from '@vitkit/core';

export interface PatchEmbedOptions {
  imgSize: [number, number];
  patchSize: number;
  inChans: number;
  embedDim: number;
}

/**
 * Linear patch embedding (ViT, CrossViT): a convolution with kernel = stride = patch size, stored as the
 * reference `proj` conv. Computed as patchify + one 2-D matmul, which is exact for non-overlapping patches,
 * uses only rank-4 transposes and trains on wasm without a convolution weight gradient kernel.
 */
export class PatchEmbed extends Tokenizer {
  readonly proj: Conv2d;
  readonly embedDim: number;
  readonly numTokens: number;
  readonly grid: [number, number];

  constructor(readonly options: PatchEmbedOptions, path = 'tokenizer') {
    super();
    const { imgSize, patchSize, inChans, embedDim } = options;
    imgSize.forEach((size, i) => {
      if (size % patchSize !== 0) {
        throw new SpecError([{ path: `${path}.patchSize`, message: `${patchSize} does not divide the image ${i === 0 ? 'height' : 'width'} ${size}; choose a patch size that divides ${size}` }]);
      }
    });
    this.embedDim = embedDim;
    this.grid = [imgSize[0] / patchSize, imgSize[1] / patchSize];
    this.numTokens = this.grid[0] * this.grid[1];
    this.proj = this.addModule('proj', new Conv2d(inChans, embedDim, patchSize, { stride: patchSize }));
  }

  forward(x: tf.Tensor4D): tf.Tensor3D {
    const [b, h, w, c] = x.shape;
    const p = this.options.patchSize;
    const [gh, gw] = this.grid;
    if (h !== this.options.imgSize[0] || w !== this.options.imgSize[1] || c !== this.options.inChans) {
      throw new Error(`PatchEmbed: expected input [B, ${this.options.imgSize[0]}, ${this.options.imgSize[1]}, ${this.options.inChans}], got [${x.shape}]`);
    }
    const d = this.embedDim;
    reportMacs('conv', b * gh * gw * d * c * p * p);
    return tf.tidy(() => {
      // [B·gh, p, gw, p·C] → [B·gh, gw, p, p·C] → rows of (ki, kj, c), the HWIO flattening order.
      const rows = tf.reshape(tf.transpose(tf.reshape(x, [b * gh, p, gw, p * c]), [0, 2, 1, 3]), [b * gh * gw, p * p * c]);
      const weight = tf.reshape(this.proj.weight.variable, [p * p * c, d]);
      let y: tf.Tensor = tf.matMul(rows, weight);
      if (this.proj.bias) y = tf.add(y, this.proj.bias.variable);
      return tf.reshape(y, [b, gh * gw, d]);
    });
  }
}
