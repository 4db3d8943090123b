// MaxPoolGrad with flat indexing: each window's first strict maximum (the cpu kernel's rule, so ties and NaNs agree)
// receives the window's dy. The cpu kernel reaches every element through TensorBuffer.get (≈1.6 s of a vt_resnet18
// training step at batch 4).
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { KernelArgs, runCpuKernel } from './cpu-fallback';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function maxPoolGrad(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const attrs = args.attrs as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4) {
    return runCpuKernel('MaxPoolGrad', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  }
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const x = backend.f32(input);
  const g = backend.f32(dy);
  const out = backend.output([...input.shape]);
  const dx = out.values;
  dx.fill(0);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const maxValue = new Float32Array(c);
  const maxIndex = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * inWidth * c;
    for (let yr = 0; yr < outHeight; yr++) {
      const r0 = yr * strideHeight - info.padInfo.top;
      const rStart = Math.max(0, r0);
      const rEnd = Math.min(inHeight, r0 + fh);
      for (let yc = 0; yc < outWidth; yc++) {
        const c0 = yc * strideWidth - info.padInfo.left;
        const cStart = Math.max(0, c0);
        const cEnd = Math.min(inWidth, c0 + fw);
        maxValue.fill(-Infinity);
        maxIndex.fill(-1);
        for (let r = rStart; r < rEnd; r++) {
          for (let col = cStart; col < cEnd; col++) {
            const p = xb + (r * inWidth + col) * c;
            for (let d = 0; d < c; d++) {
              const v = x[p + d];
              if (v > maxValue[d]) {
                maxValue[d] = v;
                maxIndex[d] = p + d;
              }
            }
          }
        }
        const gy = ((b * outHeight + yr) * outWidth + yc) * c;
        for (let d = 0; d < c; d++) if (maxIndex[d] >= 0) dx[maxIndex[d]] += g[gy + d];
      }
    }
  }
  return out.info;
}

export const maxPoolGradConfig = { kernelName: 'MaxPoolGrad', kernelFunc: maxPoolGrad as unknown as tf.KernelFunc };
