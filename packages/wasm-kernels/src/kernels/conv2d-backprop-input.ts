// Conv2DBackpropInput (conv dX) for the wasm backend; the stock kernel is a ~2 GFLOP/s scalar loop. NHWC.
// - stride 1: a forward XNNPACK conv (stock Conv2D) of dy, padded by (k-1-pad), with the filter flipped spatially and
//   its in/out channels swapped;
// - otherwise (strided, or padding larger than the kernel): cols[P, kh·kw·Cin] = dy[P, Cout] · Wᵀ[Cout, kh·kw·Cin]
//   with XNNPACK, per chunk of output pixels, then col2im (scatter-add) into dx. No FLOPs are spent on the zeros a
//   "dilated dy" formulation would multiply.
import { tf } from '@vitkit/core';
import { col2imAdd, convGeometry, ConvGeometry, PadAttr } from './conv-util';
import { convChunk } from './conv2d-backprop-filter';
import { gemm } from '../heap/gemm';
import { transpose2dHeap } from '../heap/heap-transpose';
import { markOwn, runStock } from '../heap/stock-kernels';
import { asWasmBackend, heapF32, KernelArgs, ptrOf, release, scratch, WasmBackend } from '../heap/wasm-backend';

/** Wflip[i, j, co, ci] = W[kh-1-i, kw-1-j, ci, co]. */
function flippedFilter(backend: WasmBackend, filter: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const { kh, kw, Cin, Cout } = g;
  const out = scratch(backend, [kh, kw, Cout, Cin]);
  const heap = heapF32(backend);
  const src = ptrOf(backend, filter) >>> 2;
  const dst = ptrOf(backend, out) >>> 2;
  const blk = Cin * Cout;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s = src + ((kh - 1 - i) * kw + (kw - 1 - j)) * blk;
      transpose2dHeap(heap, s, Cin, Cout, dst + (i * kw + j) * blk);
    }
  }
  return out;
}

function viaForwardConv(backend: WasmBackend, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const { kh, kw } = g;
  const pt = kh - 1 - g.top;
  const pb = kh - 1 - g.bottom;
  const pl = kw - 1 - g.left;
  const pr = kw - 1 - g.right;
  const wflip = flippedFilter(backend, filter, g);
  try {
    return runStock('Conv2D', {
      inputs: { x: dy, filter: wflip },
      backend,
      attrs: {
        strides: [1, 1],
        pad: [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
        dimRoundingMode: undefined as unknown as string,
      },
    });
  } finally {
    release(backend, wflip);
  }
}

function viaGemmCol2im(
  backend: WasmBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
  inputShape: number[]
): tf.TensorInfo {
  const { B, Ho, Wo, Cout, kh, kw, Cin } = g;
  const KK = kh * kw * Cin;
  const P = B * Ho * Wo;
  const out = backend.makeOutput(inputShape, 'float32');
  const outW = ptrOf(backend, out) >>> 2;
  heapF32(backend).fill(0, outW, outW + tf.util.sizeFromShape(inputShape));
  if (P === 0 || KK === 0) return out;
  const chunk = Math.max(1, Math.min(P, Math.floor(convChunk.elems / KK)));
  const wT = scratch(backend, [Cout, KK]);
  const cols = scratch(backend, [chunk, KK]);
  try {
    transpose2dHeap(heapF32(backend), ptrOf(backend, filter) >>> 2, KK, Cout, ptrOf(backend, wT) >>> 2);
    const dyPtr = ptrOf(backend, dy);
    for (let p0 = 0; p0 < P; p0 += chunk) {
      const p1 = Math.min(P, p0 + chunk);
      gemm(backend, dyPtr + p0 * Cout * 4, p1 - p0, Cout, ptrOf(backend, wT), KK, ptrOf(backend, cols));
      col2imAdd(heapF32(backend), g, ptrOf(backend, cols) >>> 2, p0, p1, ptrOf(backend, out) >>> 2);
    }
    return out;
  } catch (e) {
    release(backend, out);
    throw e;
  } finally {
    release(backend, wT, cols);
  }
}

function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { dy, filter } = args.inputs as {
    dy: tf.TensorInfo;
    filter: tf.TensorInfo;
  };
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = (args.attrs ?? {}) as {
    inputShape: [number, number, number, number];
    strides: [number, number] | number;
    pad: PadAttr;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new Error('Conv2DBackpropInput on wasm supports float32 only');
  const g = convGeometry(inputShape, filter.shape, strides, pad, dataFormat, dimRoundingMode);
  tf.util.assert(
    dy.shape[0] === g.B && dy.shape[1] === g.Ho && dy.shape[2] === g.Wo && dy.shape[3] === g.Cout,
    () => `Conv2DBackpropInput: dy shape ${dy.shape} does not match the conv output [${g.B},${g.Ho},${g.Wo},${g.Cout}]`
  );
  const stride1 = g.sh === 1 && g.sw === 1;
  const padsFit = g.top <= g.kh - 1 && g.bottom <= g.kh - 1 && g.left <= g.kw - 1 && g.right <= g.kw - 1;
  if (stride1 && padsFit && g.B > 0 && g.Cin > 0 && g.Cout > 0) {
    const out = viaForwardConv(backend, dy, filter, g);
    const s = out.shape;
    if (s[0] === inputShape[0] && s[1] === inputShape[1] && s[2] === inputShape[2] && s[3] === inputShape[3]) return out;
    release(backend, out); // geometry mismatch (should not happen): use the general path
  }
  return viaGemmCol2im(backend, dy, filter, g, inputShape);
}
markOwn(conv2DBackpropInput as unknown as tf.KernelFunc);

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
