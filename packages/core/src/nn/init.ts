import { tf } from '../tf';
import { nextSeed } from './rng';

/** Creates an initial tensor for a parameter of the given shape (in the layout it is stored in). */
export type Initializer = (shape: number[]) => tf.Tensor;

export const zeros: Initializer = (shape) => tf.zeros(shape);
export const ones: Initializer = (shape) => tf.ones(shape);

/**
 * Standard normal samples by Box–Muller from two uniform draws: tf.randomNormal samples element by element in JS
 * and is ~30x slower, which made building ResNet-101 take over a minute.
 */
function standardNormal(shape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const u1 = tf.randomUniform(shape, Number.EPSILON, 1, 'float32', nextSeed());
    const u2 = tf.randomUniform(shape, 0, 1, 'float32', nextSeed());
    return tf.mul(tf.sqrt(tf.mul(tf.log(u1), -2)), tf.cos(tf.mul(u2, 2 * Math.PI)));
  });
}

export function normal(std: number, mean = 0): Initializer {
  return (shape) => tf.tidy(() => tf.add(tf.mul(standardNormal(shape), std), mean));
}

/** timm's `trunc_normal_(std)`: normal truncated at ±2 (absolute), which for std 0.02 is ±100σ, i.e. plain normal. */
export function truncNormal(std = 0.02): Initializer {
  return (shape) => tf.tidy(() => tf.clipByValue(tf.mul(standardNormal(shape), std), -2, 2));
}

export function uniform(bound: number): Initializer {
  return (shape) => tf.randomUniform(shape, -bound, bound, 'float32', nextSeed());
}

/** torchvision ResNet conv init: kaiming normal, fan_out, ReLU gain. */
export function kaimingNormalFanOut(fanOut: number): Initializer {
  return normal(Math.sqrt(2 / fanOut));
}
