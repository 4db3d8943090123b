// ReLU as a differentiable op that saves its output rather than its input, as PyTorch does: the output is kept anyway
// by the layer that reads it, and the input (a BatchNorm's output in a ResNet block) can then go as soon as ReLU has
// run. Like vitkit's other ops it frees what it saved and the output gradient it consumed once its backward has run
// (releaseSaved); tfjs's Relu gradient keeps its input and dy until the whole backward pass ends.
import { tf } from '../tf';
import { RELU_GRAD_KERNEL, hasKernel } from './fused';
import { releaseSaved } from './release-saved';

/** dy·step(y): one kernel where the engine has RELU_GRAD_KERNEL. */
function reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (hasKernel(RELU_GRAD_KERNEL)) return tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, y }) as tf.Tensor;
  return tf.tidy(() => tf.mul(dy, tf.step(y)));
}

const reluOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const value = tf.relu(args[0] as tf.Tensor);
  (args[1] as tf.GradSaveFunc)([value]);
  const outputId = value.id;
  return {
    value,
    // y > 0 exactly where x > 0, so the output decides which gradients pass
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => releaseSaved(saved, reluGrad(dy as tf.Tensor, saved[0]), dy, outputId),
  };
});

/** max(x, 0), saving its output for the gradient (see above). */
export function relu(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' && x.size > 0 ? (reluOp(x) as tf.Tensor) : tf.relu(x);
}
