// DepthwiseConv2dNative (NHWC, float32) and its input gradient in the addon (src/addon/depthwise.c): the T2T soft
// split's one-hot depthwise convolution among others. The filter gradient stays the cpu kernel's (T2T's filter is a
// constant).
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { KernelArgs, runCpuKernel } from './cpu-fallback';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

type Attrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** [batch, h, w, c, multiplier, outH, outW, filterH, filterW, strideH, strideW, dilationH, dilationW, padTop, padLeft] */
function geometryOf(info: tf.backend_util.Conv2DInfo): Float64Array {
  return Float64Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outChannels / info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ]);
}

function depthwiseConv2dBackpropInput(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as Attrs & { inputShape: [number, number, number, number] };
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
    return runCpuKernel('DepthwiseConv2dNativeBackpropInput', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  }
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, true);
  const out = backend.output([...attrs.inputShape]);
  if (out.values.length) backend.addon.depthwiseConv2dBackpropInput(backend.f32(dy), backend.f32(filter), out.values, geometryOf(info));
  return out.info;
}

function depthwiseConv2d(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as Attrs;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
    return runCpuKernel('DepthwiseConv2dNative', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const out = backend.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  if (out.values.length) backend.addon.depthwiseConv2d(backend.f32(x), backend.f32(filter), out.values, geometryOf(info));
  return out.info;
}

export const depthwiseConv2dConfigs = [
  { kernelName: 'DepthwiseConv2dNative', kernelFunc: depthwiseConv2d as unknown as tf.KernelFunc },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', kernelFunc: depthwiseConv2dBackpropInput as unknown as tf.KernelFunc },
];
