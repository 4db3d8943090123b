// Conv2D, its two gradients and FusedConv2D as im2col + OpenBLAS GEMM in the addon (NHWC; NCHW falls back to the
// cpu backend's kernels, which vitkit never uses).
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { biasAndActivation, KernelArgs, runCpuKernel } from './cpu-fallback';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** The addon's geometry vector (conv.c `geometry`). */
export function geometryOf(info: tf.backend_util.Conv2DInfo): Float64Array {
  return Float64Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]);
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC')
  );
}

const nativeOk = (attrs: ConvAttrs, ...ts: tf.TensorInfo[]) => (attrs.dataFormat ?? 'NHWC') === 'NHWC' && ts.every((t) => t.dtype === 'float32');

function conv2d(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs;
  if (!nativeOk(attrs, x, filter)) return runCpuKernel('Conv2D', { ...args, backend } as KernelArgs) as tf.TensorInfo;
  const info = convInfo(x.shape, filter.shape, attrs);
  const out = backend.output(info.outShape);
  backend.addon.conv2d(backend.f32(x), backend.f32(filter), out.values, geometryOf(info));
  return out.info;
}

function conv2dBackpropInput(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  if (!nativeOk(attrs, dy, filter)) return runCpuKernel('Conv2DBackpropInput', { ...args, backend } as KernelArgs) as tf.TensorInfo;
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const out = backend.output([...info.inShape]);
  backend.addon.conv2dBackpropInput(backend.f32(dy), backend.f32(filter), out.values, geometryOf(info));
  return out.info;
}

function conv2dBackpropFilter(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
  if (!nativeOk(attrs, x, dy)) return runCpuKernel('Conv2DBackpropFilter', { ...args, backend } as KernelArgs) as tf.TensorInfo;
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const out = backend.output([...attrs.filterShape]);
  backend.addon.conv2dBackpropFilter(backend.f32(x), backend.f32(dy), out.values, geometryOf(info));
  return out.info;
}

function fusedConv2d(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<'x' | 'filter' | 'bias' | 'preluActivationWeights', tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as ConvAttrs & { activation?: string; leakyreluAlpha?: number };
  if (!x || !filter || !nativeOk(attrs, x, filter)) return runCpuKernel('FusedConv2D', { ...args, backend } as KernelArgs) as tf.TensorInfo;
  const y = conv2d({ inputs: { x, filter }, backend, attrs: args.attrs });
  return biasAndActivation(backend, y, bias, attrs.activation ?? 'linear', preluActivationWeights, attrs.leakyreluAlpha);
}

export const conv2dConfigs = [
  { kernelName: 'Conv2D', kernelFunc: conv2d as unknown as tf.KernelFunc },
  { kernelName: 'Conv2DBackpropInput', kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc },
  { kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc },
  { kernelName: 'FusedConv2D', kernelFunc: fusedConv2d as unknown as tf.KernelFunc },
];
