import { tf } from '../tf';
import { linear } from '../ops/linear';
import { reportMacs } from '../ops/macs';
import { Initializer, uniform } from './init';
import { Layer } from './layer';
import { Parameter } from './parameter';

export interface LinearOptions {
  bias?: boolean;
  /** Weight initialiser, called with the stored shape `[in, out]`. Default: PyTorch's U(±1/√in). */
  weightInit?: Initializer;
  biasInit?: Initializer;
}

/**
 * `y = x W + b` on the last axis. Inputs of any rank are flattened to 2-D first: the gradient of
 * `matMul(3-D, 2-D)` is broken in tfjs and 2-D is the fast path on wasm.
 */
export class Linear extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    const wInit = options.weightInit ?? uniform(bound);
    this.weight = this.addParameter('weight', wInit([inFeatures, outFeatures]), { layout: 'linear' });
    this.bias =
      options.bias === false
        ? null
        : this.addParameter('bias', (options.biasInit ?? uniform(bound))([outFeatures]), { decay: false });
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures}→${this.outFeatures}): input has last dimension ${x.shape[x.rank - 1]} (shape [${x.shape}])`);
    }
    const rows = x.size / this.inFeatures;
    reportMacs('linear', rows * this.inFeatures * this.outFeatures);
    return linear(x, this.weight.variable as tf.Tensor2D, this.bias ? (this.bias.variable as tf.Tensor1D) : null);
  }
}
