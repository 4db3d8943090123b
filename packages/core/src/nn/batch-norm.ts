import { tf } from '../tf';
import { batchNormTraining } from '../ops/batch-norm';
import { Layer } from './layer';
import { Parameter } from './parameter';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
}

/**
 * BatchNorm over the channel (last) axis of NHWC tensors, PyTorch semantics: training normalises with the
 * biased batch variance and updates the running variance with the unbiased one; eval uses running statistics.
 */
export class BatchNorm2d extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly eps: number;
  readonly momentum: number;

  constructor(readonly numFeatures: number, options: BatchNormOptions = {}) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.weight = this.addParameter('weight', tf.ones([numFeatures]), { decay: false });
    this.bias = this.addParameter('bias', tf.zeros([numFeatures]), { decay: false });
    this.runningMean = this.addBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.addBuffer('running_var', tf.ones([numFeatures]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.training) {
        const { y, mean, variance } = batchNormTraining(x, this.weight.variable, this.bias.variable, this.eps);
        const n = x.size / this.numFeatures;
        const mom = this.momentum;
        // The running-statistics update does not feed the output, so it never enters the gradient.
        const unbiased = tf.mul(variance, n / Math.max(n - 1, 1));
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - mom), tf.mul(mean, mom)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - mom), tf.mul(unbiased, mom)));
        return y;
      }
      // one FusedBatchNorm kernel (a single pass on native and wasm) rather than four element-wise ones
      return tf.batchNorm(x, this.runningMean, this.runningVar, this.bias.variable, this.weight.variable, this.eps);
    });
  }
}
