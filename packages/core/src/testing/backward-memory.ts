// Test helper (not exported): how many bytes tfjs holds when the backward pass of a chain of layers reaches its
// bottom, i.e. after every layer's own gradient has run. What an op frees as soon as its gradient has run
// (releaseSaved) is gone by then; what tfjs keeps until the whole backward pass ends is not.
import { tf } from '../tf';

/** tf.memory().numBytes at the moment the gradient of `layers` applications of `layer` to `x` reaches `x`. */
export function bytesWhenGradientReachesInput<T extends tf.Tensor>(x: tf.Variable, layer: (h: T) => tf.Tensor, layers: number, variables: tf.Variable[]): number {
  let atBottom = 0;
  const probe = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: (args[0] as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      atBottom = tf.memory().numBytes;
      return (dy as tf.Tensor).clone();
    },
  }));
  const { grads, value } = tf.variableGrads(() => {
    let h = probe(x) as tf.Tensor;
    for (let i = 0; i < layers; i++) h = layer(h as T);
    return tf.sum(h) as tf.Scalar;
  }, [x, ...variables]);
  tf.dispose([value, ...Object.values(grads)]);
  return atBottom;
}
