// A 2-D convolution (NHWC input, HWIO filter, PyTorch's numeric padding) as a differentiable op that computes only the
// gradients the backward pass asks for, and frees what its gradient saved, and the output gradient it consumed, as
// soon as it has used them (tfjs's own Conv2D gradient keeps both until the whole backward pass ends).
//
// It is a kernel of its own (CONV_KERNEL) with a registered gradient, not a tf.customGrad: a custom gradient computes
// every input's gradient, where tfjs asks a registered one only for the inputs on the path to what is differentiated.
// A network's first convolution reads the image, whose gradient training never needs, and that input gradient (three
// channels out) is oneDNN's slowest convolution: 46 ms of vt_resnet18's 470 ms step on one core.
import { tf } from '../tf';
import { releaseSaved } from './release-saved';

type Pad = number | 'valid' | 'same';

/** Core's convolution kernel: the active backend's Conv2D, or FusedConv2D with a bias (registered per backend on use). */
const CONV_KERNEL = 'VitkitConv2D';

interface ConvAttrs {
  strides: number;
  pad: Pad;
}

function registerFor(backendName: string): boolean {
  if (!tf.getKernel('Conv2D', backendName) || !tf.getKernel('FusedConv2D', backendName)) return false;
  tf.registerKernel({
    kernelName: CONV_KERNEL,
    backendName,
    // looked up on every call: an engine may register faster kernels later (the wasm kernel pack does)
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { strides, pad } = attrs as unknown as ConvAttrs;
      const shared = { strides, pad, dataFormat: 'NHWC', dilations: 1 };
      return inputs.bias
        ? tf.getKernel('FusedConv2D', backendName)!.kernelFunc({ inputs, backend, attrs: { ...shared, activation: 'linear' } })
        : tf.getKernel('Conv2D', backendName)!.kernelFunc({ inputs: { x: inputs.x, filter: inputs.filter }, backend, attrs: shared });
    },
  });
  return true;
}

let gradientRegistered = false;

function registerGradient(): void {
  tf.registerGradient({
    kernelName: CONV_KERNEL,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const d = dy as tf.Tensor4D;
      const { strides, pad, hasBias } = attrs as unknown as ConvAttrs & { hasBias: boolean };
      const shared = { strides, pad, dataFormat: 'NHWC' };
      // tfjs runs the requested gradients in input order, x, filter, bias: the last one requested of filter or bias
      // releases dy (the saved clones were made just after the forward output, so a newer dy is the backward pass's).
      const madeAfterForward = x.id;
      const last = hasBias ? 'bias' : 'filter';
      return {
        x: () => releaseSaved([filter], tf.engine().runKernel('Conv2DBackpropInput', { dy: d, filter }, { ...shared, inputShape: x.shape }) as tf.Tensor),
        filter: () => {
          const dFilter = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: d }, { ...shared, filterShape: filter.shape }) as tf.Tensor;
          return last === 'filter' ? releaseSaved([x], dFilter, dy, madeAfterForward) : releaseSaved([x], dFilter);
        },
        bias: () => releaseSaved([], tf.sum(d, [0, 1, 2]), dy, madeAfterForward),
      };
    },
  });
  gradientRegistered = true;
}

/** `conv(x, filter) (+ bias)` for NHWC `x` and HWIO `filter`, stride and padding on both axes, no dilation. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, stride: number, pad: Pad): tf.Tensor4D {
  const backendName = tf.getBackend();
  const ready = x.dtype === 'float32' && x.size > 0 && (tf.getKernel(CONV_KERNEL, backendName) != null || registerFor(backendName));
  if (!ready) {
    return tf.tidy(() => {
      const y = tf.conv2d(x, filter, stride, pad);
      return bias ? tf.add(y, bias) : y;
    });
  }
  if (!gradientRegistered) registerGradient();
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  return tf.engine().runKernel(CONV_KERNEL, inputs, { strides: stride, pad, hasBias: bias !== null }) as tf.Tensor4D;
}
