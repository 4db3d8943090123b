// A 2-D convolution (NHWC input, HWIO filter, PyTorch's numeric padding) as a differentiable op that frees what its
// gradient saved, and the output gradient it consumed, as soon as its backward has run (releaseSaved; tfjs's own
// Conv2D gradient keeps both until the whole backward pass ends).
import { tf } from '../tf';
import { releaseSaved } from './release-saved';

type Pad = number | 'valid' | 'same';

function convOp(stride: number, pad: Pad, withBias: boolean) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, filter] = args as [tf.Tensor4D, tf.Tensor4D];
    const bias = withBias ? (args[2] as tf.Tensor1D) : undefined;
    (args[withBias ? 3 : 2] as tf.GradSaveFunc)([x, filter]);
    const value = bias ? tf.fused.conv2d({ x, filter, strides: stride, pad, bias }) : tf.conv2d(x, filter, stride, pad);
    const outputId = value.id;
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sf] = saved as [tf.Tensor4D, tf.Tensor4D];
        const d = dy as tf.Tensor4D;
        const attrs = { strides: stride, pad, dataFormat: 'NHWC' };
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: d, filter: sf }, { ...attrs, inputShape: sx.shape }) as tf.Tensor;
        const dFilter = tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy: d }, { ...attrs, filterShape: sf.shape }) as tf.Tensor;
        const grads = bias ? [dx, dFilter, tf.sum(d, [0, 1, 2])] : [dx, dFilter];
        return releaseSaved(saved, grads, dy, outputId);
      },
    };
  });
}

/** `conv(x, filter) (+ bias)` for NHWC `x` and HWIO `filter`, stride and padding on both axes, no dilation. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, stride: number, pad: Pad): tf.Tensor4D {
  if (x.dtype !== 'float32' || x.size === 0) {
    return tf.tidy(() => {
      const y = tf.conv2d(x, filter, stride, pad);
      return bias ? tf.add(y, bias) : y;
    });
  }
  return convOp(stride, pad, bias !== null)(...(bias ? [x, filter, bias] : [x, filter])) as tf.Tensor4D;
}
