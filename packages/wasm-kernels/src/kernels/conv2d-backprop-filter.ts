// Conv2DBackpropFilter for the wasm backend (missing on stock wasm, so no conv trains there). NHWC, any stride,
// 'valid' / 'same' / explicit padding. Two XNNPACK formulations (P = B·Ho·Wo output pixels):
// - Cin >= PER_OFFSET_MIN_CIN: per-offset accumulation. x is transposed once to [Cin, B, H, W]; for each of the kh·kw
//   filter offsets, the shifted (strided) window of it is gathered as Xᵀ[Cin, P] and dW[i, j] = Xᵀ · dy[P, Cout] is
//   one GEMM written straight into its HWIO slice; dy is packed by XNNPACK once for all offsets (shared view).
// - small Cin: a single-loop im2col of x per chunk of output pixels and one GEMM per chunk,
//   dWᵀ[Cout, kh·kw·Cin] += dyᵀ[Cout, P] · cols[P, kh·kw·Cin], then a small transpose to HWIO.
import { tf } from '@vitkit/core';
import { ConvGeometry, convGeometry, im2col, PadAttr } from './conv-util';
import { dropView, gemm, makeView } from '../heap/gemm';
import { transpose2dHeap } from '../heap/heap-transpose';
import { markOwn, stockTranspose } from '../heap/stock-kernels';
import { asWasmBackend, heapF32, KernelArgs, ptrOf, release, scratch, WasmBackend } from '../heap/wasm-backend';

/** Upper bound (float32 elements) of the im2col scratch per chunk (mutable so tests can exercise chunking). */
export const convChunk = { elems: 1 << 22 };

/** From this many input channels on, the per-offset formulation is used (the GEMMs have Cin rows). */
export const PER_OFFSET_MIN_CIN = 16;

/** dW via kh·kw GEMMs Xᵀ_ij[Cin, P] · dy[P, Cout] (see the header). `out` is the HWIO output. */
function perOffset(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry, out: tf.TensorInfo): void {
  const { B, H, W, Cin, Ho, Wo, Cout, kh, kw, sh, sw, dh, dw, top, left } = g;
  const P = B * Ho * Wo;
  const xT = stockTranspose(backend, x, [3, 0, 1, 2]); // [Cin, B, H, W]
  const xs = scratch(backend, [Cin, P]);
  const dyView = makeView(backend, ptrOf(backend, dy), P * Cout);
  try {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const heap = heapF32(backend);
        const src0 = ptrOf(backend, xT) >>> 2;
        let dst = ptrOf(backend, xs) >>> 2;
        const xOff = j * dw - left; // xi = xo * sw + xOff
        // output columns whose input column is inside the image
        const xo0 = Math.min(Wo, Math.max(0, Math.ceil(-xOff / sw)));
        const xo1 = Math.max(xo0, Math.min(Wo, Math.floor((W - 1 - xOff) / sw) + 1));
        for (let c = 0; c < Cin; c++) {
          for (let b = 0; b < B; b++) {
            const plane = src0 + (c * B + b) * H * W;
            for (let yo = 0; yo < Ho; yo++, dst += Wo) {
              const yi = yo * sh - top + i * dh;
              if (yi < 0 || yi >= H || xo1 === xo0) {
                heap.fill(0, dst, dst + Wo);
                continue;
              }
              if (xo0 > 0) heap.fill(0, dst, dst + xo0);
              const row = plane + yi * W + xOff;
              if (sw === 1) {
                const n = xo1 - xo0;
                if (n < 48) {
                  for (let k = 0; k < n; k++) heap[dst + xo0 + k] = heap[row + xo0 + k];
                } else {
                  heap.copyWithin(dst + xo0, row + xo0, row + xo1);
                }
              } else {
                for (let xo = xo0; xo < xo1; xo++) heap[dst + xo] = heap[row + xo * sw];
              }
              if (xo1 < Wo) heap.fill(0, dst + xo1, dst + Wo);
            }
          }
        }
        gemm(backend, ptrOf(backend, xs), Cin, P, ptrOf(backend, dy), Cout, ptrOf(backend, out) + (i * kw + j) * Cin * Cout * 4, dyView);
      }
    }
  } finally {
    dropView(backend, dyView);
    release(backend, xT, xs);
  }
}

function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = (args.attrs ?? {}) as {
    strides: [number, number] | number;
    pad: PadAttr;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('Conv2DBackpropFilter on wasm supports float32 only');
  const g = convGeometry(x.shape, filterShape, strides, pad, dataFormat, dimRoundingMode);
  const { B, Ho, Wo, Cout, kh, kw, Cin } = g;
  tf.util.assert(
    dy.shape[0] === B && dy.shape[1] === Ho && dy.shape[2] === Wo && dy.shape[3] === Cout,
    () => `Conv2DBackpropFilter: dy shape ${dy.shape} does not match the conv output [${B},${Ho},${Wo},${Cout}]`
  );
  const KK = kh * kw * Cin;
  const P = B * Ho * Wo;
  const out = backend.makeOutput([kh, kw, Cin, Cout], 'float32');
  if (P === 0 || KK === 0 || Cout === 0) {
    heapF32(backend).fill(0, ptrOf(backend, out) >>> 2, (ptrOf(backend, out) >>> 2) + KK * Cout);
    return out;
  }
  // 1x1, stride 1, no padding: x itself is the im2col matrix.
  const direct = kh === 1 && kw === 1 && g.sh === 1 && g.sw === 1 && g.top === 0 && g.left === 0 && Ho === g.H && Wo === g.W;
  if (!direct && Cin >= PER_OFFSET_MIN_CIN) {
    try {
      perOffset(backend, x, dy, g, out);
      return out;
    } catch (e) {
      release(backend, out);
      throw e;
    }
  }
  const chunk = direct ? P : Math.max(1, Math.min(P, Math.floor(convChunk.elems / Math.max(KK, Cout))));
  const nChunks = Math.ceil(P / chunk);
  const cols = direct ? null : scratch(backend, [chunk, KK]);
  const dyT = scratch(backend, [Cout, chunk]);
  const accT = scratch(backend, [Cout, KK]);
  const part = nChunks > 1 ? scratch(backend, [Cout, KK]) : null;
  try {
    const xw = ptrOf(backend, x) >>> 2;
    const dyw = ptrOf(backend, dy) >>> 2;
    for (let c = 0; c < nChunks; c++) {
      const p0 = c * chunk;
      const p1 = Math.min(P, p0 + chunk);
      const pc = p1 - p0;
      const heap = heapF32(backend);
      if (cols) im2col(heap, g, xw, p0, p1, ptrOf(backend, cols) >>> 2);
      transpose2dHeap(heap, dyw + p0 * Cout, pc, Cout, ptrOf(backend, dyT) >>> 2);
      const colsPtr = cols ? ptrOf(backend, cols) : ptrOf(backend, x) + p0 * Cin * 4;
      const target = c === 0 ? accT : (part as tf.TensorInfo);
      gemm(backend, ptrOf(backend, dyT), Cout, pc, colsPtr, KK, ptrOf(backend, target));
      if (c > 0) {
        const h = heapF32(backend);
        const a = ptrOf(backend, accT) >>> 2;
        const q = ptrOf(backend, part as tf.TensorInfo) >>> 2;
        for (let k = 0; k < Cout * KK; k++) h[a + k] += h[q + k];
      }
    }
    transpose2dHeap(heapF32(backend), ptrOf(backend, accT) >>> 2, Cout, KK, ptrOf(backend, out) >>> 2);
    return out;
  } catch (e) {
    release(backend, out);
    throw e;
  } finally {
    release(backend, cols, dyT, accT, part);
  }
}
markOwn(conv2DBackpropFilter as unknown as tf.KernelFunc);

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
