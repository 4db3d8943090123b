import { tf } from '../tf';
import { Layer } from './layer';
import { Parameter } from './parameter';

/**
 * PyTorch `nn.GroupNorm(numGroups, numChannels, eps)` on NHWC: the channels are split into `numGroups` contiguous
 * groups, each normalised over (H, W, channels of the group) per sample with the biased variance, then a per-channel
 * affine `weight`/`bias`. Independent of the batch (Detectron2's semantic-FPN head uses it with 32 groups).
 */
export class GroupNorm extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(readonly numGroups: number, readonly numChannels: number, readonly eps = 1e-5) {
    super();
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0) {
      throw new RangeError(`GroupNorm: ${numChannels} channels cannot be split into ${numGroups} groups`);
    }
    this.weight = this.addParameter('weight', tf.ones([numChannels]), { decay: false });
    this.bias = this.addParameter('bias', tf.zeros([numChannels]), { decay: false });
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.numChannels) {
      throw new Error(`GroupNorm(${this.numGroups}, ${this.numChannels}): expected NHWC input with ${this.numChannels} channels, got shape [${x.shape}]`);
    }
    const [b, h, w, c] = x.shape;
    const g = this.numGroups;
    return tf.tidy(() => {
      const xg = tf.reshape(x, [b, h * w, g, c / g]);
      const { mean, variance } = tf.moments(xg, [1, 3], true);
      const normed = tf.reshape(tf.div(tf.sub(xg, mean), tf.sqrt(tf.add(variance, this.eps))), [b, h, w, c]);
      return tf.add(tf.mul(normed, this.weight.variable), this.bias.variable);
    });
  }
}
