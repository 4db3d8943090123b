// Transpose, SplitV and Concat without per-element index arithmetic: the addon's strided transpose, and contiguous
// block copies (TypedArray.set, a memcpy) for splits and concatenations along any axis.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { KernelArgs, runCpuKernel } from './cpu-fallback';

type Args = { inputs: tf.NamedTensorInfoMap | tf.TensorInfo[]; backend: unknown; attrs?: tf.NamedAttrMap };
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function transpose(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { perm } = args.attrs as { perm: number[] };
  if (x.dtype !== 'float32' || x.shape.length > 8) return runCpuKernel('Transpose', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  const out = backend.output(perm.map((p) => x.shape[p]));
  backend.addon.transpose(backend.f32(x), Float64Array.from(x.shape), Float64Array.from(perm), out.values);
  return out.info;
}

type Values = Float32Array | Int32Array;
const copyable = (t: tf.TensorInfo) => t.dtype === 'float32' || t.dtype === 'int32';

function splitV(args: Args): tf.TensorInfo[] {
  const backend = asNative(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
  if (!copyable(x)) return runCpuKernel('SplitV', { ...(args as KernelArgs), backend }) as tf.TensorInfo[];
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  const outer = size(x.shape.slice(0, ax));
  const inner = size(x.shape.slice(ax + 1));
  const row = x.shape[ax] * inner;
  const src = backend.data.get(x.dataId).values as Values;
  let start = 0;
  return sizes.map((s) => {
    const shape = [...x.shape];
    shape[ax] = s;
    const values = x.dtype === 'float32' ? backend.allocate(size(shape)) : new Int32Array(size(shape));
    const chunk = s * inner;
    for (let o = 0; o < outer; o++) values.set(src.subarray(o * row + start * inner, o * row + start * inner + chunk), o * chunk);
    start += s;
    return values instanceof Float32Array ? backend.adopt(shape, values) : backend.makeTensorInfo(shape, x.dtype, values);
  });
}

function concat(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as tf.TensorInfo[];
  const { axis } = args.attrs as { axis: number };
  if (inputs.length === 0 || !inputs.every((t) => t.dtype === inputs[0].dtype && copyable(t))) {
    return runCpuKernel('Concat', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  }
  const ax = tf.util.parseAxisParam(axis, inputs[0].shape)[0];
  const shapes = inputs.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, ax);
  const outShape = tf.backend_util.computeOutShape(shapes, ax);
  const values = inputs[0].dtype === 'float32' ? backend.allocate(size(outShape)) : new Int32Array(size(outShape));
  const outer = size(outShape.slice(0, ax));
  const outRow = size(outShape.slice(ax));
  let offset = 0;
  for (const t of inputs) {
    const row = size(t.shape.slice(ax));
    if (row === 0) continue;
    const src = backend.data.get(t.dataId).values as Values;
    for (let o = 0; o < outer; o++) values.set(src.subarray(o * row, (o + 1) * row), o * outRow + offset);
    offset += row;
  }
  return values instanceof Float32Array ? backend.adopt(outShape, values) : backend.makeTensorInfo(outShape, inputs[0].dtype, values);
}

export const layoutConfigs = [
  { kernelName: 'Transpose', kernelFunc: transpose as unknown as tf.KernelFunc },
  { kernelName: 'SplitV', kernelFunc: splitV as unknown as tf.KernelFunc },
  { kernelName: 'Concat', kernelFunc: concat as unknown as tf.KernelFunc },
];
