import { BatchNorm2d, Conv2d, gelu, tf } from '@vitkit/core';
import type { T2TOptions } from './t2t-options';
import { T2TTokenizer } from './t2t-tokenizer';

/**
 * T2T-ViT_c's tokenizer (paper Table 7): the soft splits become convolutions with the same kernels, strides and
 * paddings, `Conv(inChans→tokenDim) → Conv(tokenDim→tokenDim) → Conv(tokenDim→embedDim)` = `soft_split0`,
 * `soft_split1`, `project`, with no activation in between (the official code declares these layers but has no
 * forward for them); `convNorm` / `convActivation` add BatchNorm2d (`norm0`, `norm1`) and an activation after the
 * first ones.
 */
export class ConvolutionT2TTokenizer extends T2TTokenizer {
  readonly convs: Conv2d[] = [];
  readonly norms: BatchNorm2d[] = [];
  readonly project: Conv2d;

  constructor(options: T2TOptions, path = 'tokenizer') {
    super(options, path);
    const n = options.kernelSizes.length;
    let cin = options.inChans;
    for (let i = 0; i < n - 1; i++) {
      this.convs.push(this.addModule(`soft_split${i}`, new Conv2d(cin, options.tokenDim, options.kernelSizes[i], { stride: options.strides[i], padding: options.paddings[i] })));
      if (options.convNorm === 'batch') this.norms.push(this.addModule(`norm${i}`, new BatchNorm2d(options.tokenDim)));
      cin = options.tokenDim;
    }
    this.project = this.addModule('project', new Conv2d(cin, options.embedDim, options.kernelSizes[n - 1], { stride: options.strides[n - 1], padding: options.paddings[n - 1] }));
  }

  private activate(y: tf.Tensor): tf.Tensor {
    switch (this.options.convActivation) {
      case 'relu':
        return tf.relu(y);
      case 'gelu':
        return gelu(y);
      default:
        return y;
    }
  }

  forward(x: tf.Tensor4D): tf.Tensor3D {
    this.checkInput(x);
    return tf.tidy(() => {
      let y: tf.Tensor = x;
      this.convs.forEach((conv, i) => {
        y = conv.forward(y);
        if (this.norms[i]) y = this.norms[i].forward(y);
        y = this.activate(y);
      });
      y = this.project.forward(y);
      const [b, gh, gw, d] = y.shape;
      return tf.reshape(y, [b, gh * gw, d]) as tf.Tensor3D;
    });
  }
}
