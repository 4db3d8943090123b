// Transpose, SplitV and Concat without per-element index arithmetic: the addon's strided transpose, and contiguous
// block copies for splits and concatenations along any axis (the addon's copyRows for float32: a TypedArray.set a
// row costs ~150 ns, which a split of many short rows, the performer's kqv, pays thousands of times).
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
    if (values instanceof Float32Array) backend.addon.copyRows(src as Float32Array, start * inner, row, values, 0, chunk, chunk, outer);
    else for (let o = 0; o < outer; o++) values.set(src.subarray(o * row + start * inner, o * row + start * inner + chunk), o * chunk);
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
    if (values instanceof Float32Array) backend.addon.copyRows(src as Float32Array, 0, row, values, offset, outRow, row, outer);
    else for (let o = 0; o < outer; o++) values.set(src.subarray(o * row, (o + 1) * row), o * outRow + offset);
    offset += row;
  }
  return values instanceof Float32Array ? backend.adopt(outShape, values) : backend.makeTensorInfo(outShape, inputs[0].dtype, values);
}

/**
 * Copies the box `begin`..`begin + size` of `src` (shape `shape`) into the box `at`..`at + size` of `dst` (shape
 * `dstShape`), one contiguous run (a memcpy) at a time: the innermost axes that are whole in both make one run.
 */
export function copyBox(src: Values, shape: readonly number[], begin: readonly number[], size: readonly number[], dst: Values, dstShape: readonly number[], at: readonly number[]): void {
  const r = shape.length;
  if (r === 0) {
    dst[0] = src[0];
    return;
  }
  if (size.some((d) => d === 0)) return;
  let k = r - 1; // axes k+1.. are whole in src and dst
  while (k > 0 && size[k] === shape[k] && size[k] === dstShape[k]) k--;
  const srcStride = new Array<number>(r);
  const dstStride = new Array<number>(r);
  srcStride[r - 1] = dstStride[r - 1] = 1;
  for (let d = r - 2; d >= 0; d--) {
    srcStride[d] = srcStride[d + 1] * shape[d + 1];
    dstStride[d] = dstStride[d + 1] * dstShape[d + 1];
  }
  const run = size[k] * srcStride[k];
  let so = 0;
  let doff = 0;
  for (let d = 0; d < r; d++) {
    so += begin[d] * srcStride[d];
    doff += at[d] * dstStride[d];
  }
  const idx = new Array<number>(k).fill(0);
  for (;;) {
    dst.set(src.subarray(so, so + run), doff);
    let d = k - 1;
    for (; d >= 0; d--) {
      so += srcStride[d];
      doff += dstStride[d];
      if (++idx[d] < size[d]) break;
      so -= srcStride[d] * size[d];
      doff -= dstStride[d] * size[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Slice as copies (never views: a view would pin a buffer the pool reuses). */
function slice(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const attrs = args.attrs as { begin: number | number[]; size: number | number[] };
  if (!copyable(x)) return runCpuKernel('Slice', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
  tf.slice_util.assertParamsValid(x, begin, size);
  const n = size.reduce((a, b) => a * b, 1);
  const values = x.dtype === 'float32' ? backend.allocate(n) : new Int32Array(n);
  if (n > 0) copyBox(backend.data.get(x.dataId).values as Values, x.shape, begin, size, values, size, size.map(() => 0));
  return values instanceof Float32Array ? backend.adopt(size, values) : backend.makeTensorInfo(size, x.dtype, values);
}

/** PadV2: the constant everywhere, then x copied into its box. */
function padV2(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { paddings, constantValue } = args.attrs as { paddings: Array<[number, number]>; constantValue: number };
  if (!copyable(x)) return runCpuKernel('PadV2', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  const outShape = paddings.map((p, i) => p[0] + x.shape[i] + p[1]);
  const n = outShape.reduce((a, b) => a * b, 1);
  const values = x.dtype === 'float32' ? backend.allocate(n) : new Int32Array(n);
  values.fill(constantValue);
  if (size(x.shape) > 0) copyBox(backend.data.get(x.dataId).values as Values, x.shape, x.shape.map(() => 0), x.shape, values, outShape, paddings.map((p) => p[0]));
  return values instanceof Float32Array ? backend.adopt(outShape, values) : backend.makeTensorInfo(outShape, x.dtype, values);
}

export const layoutConfigs = [
  { kernelName: 'Slice', kernelFunc: slice as unknown as tf.KernelFunc },
  { kernelName: 'PadV2', kernelFunc: padV2 as unknown as tf.KernelFunc },
  { kernelName: 'Transpose', kernelFunc: transpose as unknown as tf.KernelFunc },
  { kernelName: 'SplitV', kernelFunc: splitV as unknown as tf.KernelFunc },
  { kernelName: 'Concat', kernelFunc: concat as unknown as tf.KernelFunc },
];
