// Broadcasting Add/Sub/Multiply/RealDiv and Sum on float32 in the addon (the cpu backend maps every output element
// back to its operands with divisions); other dtypes use the cpu kernels.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { KernelArgs, runCpuKernel } from './cpu-fallback';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Element strides of `shape` seen through `outShape` (numpy alignment), 0 along broadcast axes. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): Float64Array {
  const strides = new Float64Array(outShape.length);
  let stride = 1;
  for (let i = outShape.length - 1; i >= 0; i--) {
    const d = i - (outShape.length - shape.length);
    if (d < 0) continue;
    strides[i] = shape[d] === 1 ? 0 : stride;
    stride *= shape[d];
  }
  return strides;
}

function binary(name: string, op: number) {
  return (args: Args): tf.TensorInfo => {
    const backend = asNative(args.backend);
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return runCpuKernel(name, { ...(args as KernelArgs), backend }) as tf.TensorInfo;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (outShape.length > 8) return runCpuKernel(name, { ...(args as KernelArgs), backend }) as tf.TensorInfo;
    const out = backend.output(outShape);
    if (out.values.length) {
      backend.addon.binary(op, backend.f32(a), broadcastStrides(a.shape, outShape), backend.f32(b), broadcastStrides(b.shape, outShape), out.values, Float64Array.from(outShape));
    }
    return out.info;
  };
}

/** Sum, or Mean (the sum scaled by 1/count), over `axis` of a float32 tensor. */
function reduce(name: 'Sum' | 'Mean') {
  return (args: Args): tf.TensorInfo => {
    const backend = asNative(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32' || x.shape.length > 8) return runCpuKernel(name, { ...(args as KernelArgs), backend }) as tf.TensorInfo;
    const out = sum(args);
    if (name === 'Mean') {
      const values = backend.f32(out);
      const count = size(x.shape) / Math.max(1, values.length);
      for (let i = 0; i < values.length; i++) values[i] /= count;
    }
    return out;
  };
}

function sum(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const kept = x.shape.filter((_, i) => !axes.includes(i));
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
  const out = backend.output(outShape);
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (contiguous) {
    const lo = axes.length ? axes[0] : x.shape.length;
    const hi = axes.length ? axes[axes.length - 1] + 1 : x.shape.length;
    backend.addon.reduceSum(backend.f32(x), out.values, size(x.shape.slice(0, lo)), size(x.shape.slice(lo, hi)), size(x.shape.slice(hi)));
    return out.info;
  }
  // reduced axes scattered: move them last (native transpose), then row sums
  const perm = [...x.shape.keys()].filter((i) => !axes.includes(i)).concat(axes);
  const moved = new Float32Array(size(x.shape));
  backend.addon.transpose(backend.f32(x), Float64Array.from(x.shape), Float64Array.from(perm), moved);
  backend.addon.reduceSum(moved, out.values, size(kept), size(axes.map((a) => x.shape[a])), 1);
  return out.info;
}

export const arithmeticConfigs = [
  { kernelName: 'Add', kernelFunc: binary('Add', 0) as unknown as tf.KernelFunc },
  { kernelName: 'Sub', kernelFunc: binary('Sub', 1) as unknown as tf.KernelFunc },
  { kernelName: 'Multiply', kernelFunc: binary('Multiply', 2) as unknown as tf.KernelFunc },
  { kernelName: 'RealDiv', kernelFunc: binary('RealDiv', 3) as unknown as tf.KernelFunc },
  { kernelName: 'Sum', kernelFunc: reduce('Sum') as unknown as tf.KernelFunc },
  { kernelName: 'Mean', kernelFunc: reduce('Mean') as unknown as tf.KernelFunc },
];
