// PyTorch's `nn.Unfold` on an NHWC image, as the engine's fused kernel (UNFOLD_KERNEL in ops/fused): one copy each way.
// tfjs has no unfold op; where the engine lacks the kernel, the T2T soft split composes one from stock ops
// (@vitkit/tokenizers' softSplit) and `canUnfold()` says which applies.
import { tf } from '../tf';
import { UNFOLD_GRAD_KERNEL, UNFOLD_KERNEL, hasKernel } from './fused';
import { releaseSaved } from './release-saved';

/** True when the active engine runs `unfold` (it registers UNFOLD_KERNEL). */
export function canUnfold(): boolean {
  return hasKernel(UNFOLD_KERNEL);
}

/**
 * `nn.Unfold(kernel, stride, padding)(x).transpose(1, 2)` for an NHWC float32 image `[B, H, W, C]`: tokens
 * `[B, Ho·Wo, C·kernel²]` row-major over the output grid, feature `c·kernel² + ki·kernel + kj`, zero padding.
 * Differentiable in x. Throws where the active engine has no unfold kernel (see `canUnfold`).
 */
export function unfold(x: tf.Tensor4D, kernel: number, stride: number, padding: number): tf.Tensor3D {
  if (!canUnfold()) throw new Error(`unfold: the ${tf.getBackend()} engine has no ${UNFOLD_KERNEL} kernel (canUnfold() is false)`);
  const attrs = { kernel, stride, padding };
  const inputShape = [...x.shape];
  const run = tf.customGrad((input) => {
    const value = tf.engine().runKernel(UNFOLD_KERNEL, { x: input as tf.Tensor }, attrs) as tf.Tensor;
    const outputId = value.id;
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
        releaseSaved([], tf.engine().runKernel(UNFOLD_GRAD_KERNEL, { dy: dy as tf.Tensor }, { ...attrs, inputShape }) as tf.Tensor, dy, outputId),
    };
  });
  return run(x) as tf.Tensor3D;
}
