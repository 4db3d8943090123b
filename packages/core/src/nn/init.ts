import { tf } from '../tf';
import { nextSeed } from './rng';

/** Creates an initial tensor for a parameter of the given shape (in the layout it is stored in). */
export type Initializer = (shape: number[]) => tf.Tensor;

export const zeros: Initializer = (shape) => tf.zeros(shape);
export const ones: Initializer = (shape) => tf.ones(shape);

/** timm's `trunc_normal_(std)`: normal truncated at ±2 (absolute), which for std 0.02 is ±100σ, i.e. plain normal. */
export function truncNormal(std = 0.02): Initializer {
  return (shape) =>
    tf.tidy(() => tf.clipByValue(tf.randomNormal(shape, 0, std, 'float32', nextSeed()), -2, 2));
}

export function normal(std: number, mean = 0): Initializer {
  return (shape) => tf.randomNormal(shape, mean, std, 'float32', nextSeed());
}

export function uniform(bound: number): Initializer {
  return (shape) => tf.randomUniform(shape, -bound, bound, 'float32', nextSeed());
}

/** torchvision ResNet conv init: kaiming normal, fan_out, ReLU gain. */
export function kaimingNormalFanOut(fanOut: number): Initializer {
  return normal(Math.sqrt(2 / fanOut));
}
