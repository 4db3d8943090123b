// A correct MaxPoolGrad for the wasm backend (the stock one routes the gradient to the wrong element for 0.2-3% of
// the outputs). Same semantics as the cpu backend: in each window the first element strictly greater than all the
// previous ones (row-major scan of the in-bounds part, starting from -Infinity) receives dy; a window whose values are
// all -Infinity/NaN passes no gradient. Contributions are summed in float64.
import { tf } from '@vitkit/core';
import { markOwn } from '../heap/stock-kernels';
import { asWasmBackend, f32Of, KernelArgs } from '../heap/wasm-backend';

function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { dy, input } = args.inputs as {
    dy: tf.TensorInfo;
    input: tf.TensorInfo;
  };
  const { filterSize, strides, pad, dimRoundingMode } = (args.attrs ?? {}) as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('MaxPoolGrad on wasm supports float32 only');
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode
  );
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, strideWidth } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  tf.util.assert(
    dy.shape[1] === outHeight && dy.shape[2] === outWidth && dy.shape[3] === C,
    () => `MaxPoolGrad: dy shape ${dy.shape} does not match the pooled shape [${batchSize},${outHeight},${outWidth},${C}]`
  );
  const out = backend.makeOutput(input.shape, 'float32');
  const xs = f32Of(backend, input);
  const dys = f32Of(backend, dy);
  const acc = new Float64Array(xs.length);
  const maxVal = new Float64Array(C);
  const maxPos = new Int32Array(C);
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * inWidth * C;
    for (let yR = 0; yR < outHeight; yR++) {
      const r0 = yR * strideHeight - top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + fh);
      for (let yC = 0; yC < outWidth; yC++) {
        const c0 = yC * strideWidth - left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(inWidth, c0 + fw);
        maxVal.fill(-Infinity);
        maxPos.fill(-1);
        for (let r = rMin; r < rMax; r++) {
          for (let c = cMin; c < cMax; c++) {
            const base = xb + (r * inWidth + c) * C;
            for (let d = 0; d < C; d++) {
              const v = xs[base + d];
              if (v > maxVal[d]) {
                maxVal[d] = v;
                maxPos[d] = base + d;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + yR) * outWidth + yC) * C;
        for (let d = 0; d < C; d++) {
          const p = maxPos[d];
          if (p >= 0) acc[p] += dys[dyBase + d];
        }
      }
    }
  }
  f32Of(backend, out).set(acc);
  return out;
}
markOwn(maxPoolGrad as unknown as tf.KernelFunc);

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
