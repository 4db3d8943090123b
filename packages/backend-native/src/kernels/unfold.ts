// Unfold and its input gradient (the contract of @vitkit/core's UNFOLD_KERNEL and UNFOLD_GRAD_KERNEL): PyTorch's
// `nn.Unfold(k, s, p)` + `.transpose(1, 2)` on an NHWC image as one copy each way (src/addon/unfold.c), the T2T soft
// split's, instead of a one-hot depthwise convolution.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';

// Kernel names shared with @vitkit/core (ops/fused.ts).
export const UNFOLD = 'VitkitUnfold';
export const UNFOLD_GRAD = 'VitkitUnfoldGrad';

/** Attributes of both kernels (the gradient's also carry the image shape). */
export interface UnfoldAttrs {
  kernel: number;
  stride: number;
  padding: number;
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** [batch, h, w, c, kernel, stride, padding] and the token shape; throws naming the kernel and what is wrong. */
function geometry(kernel: string, image: readonly number[], attrs: UnfoldAttrs): { geometry: Float64Array; tokens: number[] } {
  const { kernel: k, stride: s, padding: p } = attrs;
  if (image.length !== 4) throw new Error(`${kernel}: the image must be NHWC [batch, h, w, c], got [${image}]`);
  if (![k, s].every((v) => Number.isInteger(v) && v >= 1) || !Number.isInteger(p) || p < 0) {
    throw new Error(`${kernel}: kernel and stride must be positive integers and padding a non-negative one, got ${k}, ${s}, ${p}`);
  }
  const [b, h, w, c] = image;
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  if (oh < 1 || ow < 1) throw new Error(`${kernel}: a ${h}×${w} image is too small for kernel ${k}, stride ${s}, padding ${p}`);
  return { geometry: Float64Array.from([b, h, w, c, k, s, p]), tokens: [b, oh * ow, c * k * k] };
}

function unfold(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype !== 'float32') throw new Error(`${UNFOLD}: x must be float32, got ${x.dtype}`);
  const g = geometry(UNFOLD, x.shape, args.attrs as unknown as UnfoldAttrs);
  const out = backend.output(g.tokens);
  if (out.values.length) backend.addon.unfold(backend.f32(x), out.values, g.geometry);
  return out.info;
}

/** dx (the image's shape, attr inputShape) of unfold from dy: each pixel sums the token values copied from it. */
function unfoldGrad(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { dy } = args.inputs as { dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as UnfoldAttrs & { inputShape: number[] };
  const g = geometry(UNFOLD_GRAD, attrs.inputShape, attrs);
  if (dy.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, g.tokens)) {
    throw new Error(`${UNFOLD_GRAD}: dy must be float32 [${g.tokens}], got ${dy.dtype} [${dy.shape}]`);
  }
  const out = backend.output([...attrs.inputShape]);
  if (out.values.length) backend.addon.unfoldGrad(backend.f32(dy), out.values, g.geometry);
  return out.info;
}

export const unfoldConfigs = [
  { kernelName: UNFOLD, kernelFunc: unfold as unknown as tf.KernelFunc },
  { kernelName: UNFOLD_GRAD, kernelFunc: unfoldGrad as unknown as tf.KernelFunc },
];
