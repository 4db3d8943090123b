import { tf } from '../tf';
import { dropout } from '../ops/dropout';
import { Layer } from './layer';
import { nextSeed } from './rng';

/** Element-wise dropout with inverted scaling; identity in eval mode or with p = 0. */
export class Dropout extends Layer {
  constructor(readonly p = 0) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, nextSeed());
  }
}

/** Stochastic depth: drops the whole residual branch per sample (timm `DropPath`). */
export class DropPath extends Layer {
  constructor(readonly p = 0) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`DropPath: p must be in [0, 1), got ${p}`);
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = 1 - this.p;
    return tf.tidy(() => {
      const shape = [x.shape[0], ...new Array(x.rank - 1).fill(1)];
      const mask = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', nextSeed()), keep));
      return tf.mul(tf.div(x, keep), mask);
    });
  }
}
