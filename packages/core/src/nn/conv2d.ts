import { tf } from '../tf';
import { conv2d } from '../ops/conv2d';
import { reportMacs } from '../ops/macs';
import { Initializer, uniform } from './init';
import { Layer } from './layer';
import { Parameter } from './parameter';

export interface Conv2dOptions {
  stride?: number;
  /** Symmetric zero padding in pixels (PyTorch `padding=int`). */
  padding?: number;
  bias?: boolean;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

/**
 * 2-D convolution on NHWC tensors with PyTorch semantics (explicit zero padding, floor output size).
 * Weight stored HWIO, loaded from / saved to PyTorch OIHW.
 */
export class Conv2d extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: number;
  readonly padding: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, options: Conv2dOptions = {}) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    const fanIn = inChannels * kernelSize * kernelSize;
    const bound = 1 / Math.sqrt(fanIn);
    const wInit = options.weightInit ?? uniform(bound);
    this.weight = this.addParameter('weight', wInit([kernelSize, kernelSize, inChannels, outChannels]), { layout: 'conv2d' });
    this.bias =
      options.bias === false
        ? null
        : this.addParameter('bias', (options.biasInit ?? uniform(bound))([outChannels]), { decay: false });
  }

  outputSize(inSize: number): number {
    return Math.floor((inSize + 2 * this.padding - this.kernelSize) / this.stride) + 1;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`Conv2d(${this.inChannels}→${this.outChannels}): expected NHWC input with ${this.inChannels} channels, got shape [${x.shape}]`);
    }
    const [b, h, w] = x.shape;
    const ho = this.outputSize(h);
    const wo = this.outputSize(w);
    reportMacs('conv', b * ho * wo * this.outChannels * this.inChannels * this.kernelSize * this.kernelSize);
    // tfjs's numeric padding is PyTorch's: zeros on every side, output floor((n + 2p − k)/s) + 1 (outputSize). Given
    // to the kernel rather than as a tf.pad before it, the padded copy is never made nor kept for the backward pass,
    // and its gradient (a Slice of dx) is not needed.
    const bias = this.bias ? (this.bias.variable as tf.Tensor1D) : null;
    return conv2d(x as tf.Tensor4D, this.weight.variable as tf.Tensor4D, bias, this.stride, this.padding > 0 ? this.padding : 'valid');
  }
}
