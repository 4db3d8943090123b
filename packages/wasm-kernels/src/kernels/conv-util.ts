// Helpers shared by the conv backprop kernels: NHWC conv geometry and im2col / col2im loops on the wasm heap.
import { tf } from '@vitkit/core';

export type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface ConvGeometry {
  B: number;
  H: number;
  W: number;
  Cin: number;
  Ho: number;
  Wo: number;
  Cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export function convGeometry(
  xShape: number[],
  filterShape: number[],
  strides: [number, number] | number,
  pad: PadAttr,
  dataFormat: string | undefined,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  dilations: [number, number] | number = 1
): ConvGeometry {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`vitkit wasm conv kernels support dataFormat NHWC only, got ${dataFormat}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast'
  );
  return {
    B: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    Cin: info.inChannels,
    Ho: info.outHeight,
    Wo: info.outWidth,
    Cout: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
    bottom: info.padInfo.bottom,
    right: info.padInfo.right,
  };
}

/** Runs shorter than this are copied with a plain loop instead of copyWithin. */
const SHORT_RUN = 48;

/**
 * im2col for output pixels [p0, p1) (p = (b*Ho + yo)*Wo + xo): writes rows of kh*kw*Cin values, ordered (i, j, c)
 * like an HWIO filter, zeros for padding. `x` and `col` are float32 word offsets into `heap`.
 */
export function im2col(heap: Float32Array, g: ConvGeometry, x: number, p0: number, p1: number, col: number): void {
  const { H, W, Cin, Ho, Wo, kh, kw, sh, sw, dh, dw, top, left } = g;
  const KK = kh * kw * Cin;
  const rowLen = kw * Cin;
  const hw = Ho * Wo;
  let dst = col;
  for (let p = p0; p < p1; p++, dst += KK) {
    const b = (p / hw) | 0;
    const rem = p - b * hw;
    const yo = (rem / Wo) | 0;
    const xo = rem - yo * Wo;
    const xs0 = xo * sw - left;
    for (let i = 0; i < kh; i++) {
      const yi = yo * sh - top + i * dh;
      const rowDst = dst + i * rowLen;
      if (yi < 0 || yi >= H) {
        heap.fill(0, rowDst, rowDst + rowLen);
        continue;
      }
      const rowSrc = x + (b * H + yi) * W * Cin;
      if (dw === 1) {
        const j0 = Math.max(0, -xs0);
        const j1 = Math.min(kw, W - xs0);
        if (j1 <= j0) {
          heap.fill(0, rowDst, rowDst + rowLen);
          continue;
        }
        if (j0 > 0) heap.fill(0, rowDst, rowDst + j0 * Cin);
        const n = (j1 - j0) * Cin;
        const s = rowSrc + (xs0 + j0) * Cin;
        const d = rowDst + j0 * Cin;
        if (n < SHORT_RUN) {
          for (let k = 0; k < n; k++) heap[d + k] = heap[s + k];
        } else {
          heap.copyWithin(d, s, s + n);
        }
        if (j1 < kw) heap.fill(0, rowDst + j1 * Cin, rowDst + rowLen);
      } else {
        for (let j = 0; j < kw; j++) {
          const xi = xs0 + j * dw;
          const d = rowDst + j * Cin;
          if (xi < 0 || xi >= W) {
            heap.fill(0, d, d + Cin);
          } else {
            const s = rowSrc + xi * Cin;
            for (let k = 0; k < Cin; k++) heap[d + k] = heap[s + k];
          }
        }
      }
    }
  }
}

/** col2im: adds rows of kh*kw*Cin values for output pixels [p0, p1) back into the NHWC image at `dx`. */
export function col2imAdd(heap: Float32Array, g: ConvGeometry, col: number, p0: number, p1: number, dx: number): void {
  const { H, W, Cin, Ho, Wo, kh, kw, sh, sw, dh, dw, top, left } = g;
  const KK = kh * kw * Cin;
  const rowLen = kw * Cin;
  const hw = Ho * Wo;
  let src = col;
  for (let p = p0; p < p1; p++, src += KK) {
    const b = (p / hw) | 0;
    const rem = p - b * hw;
    const yo = (rem / Wo) | 0;
    const xo = rem - yo * Wo;
    const xs0 = xo * sw - left;
    for (let i = 0; i < kh; i++) {
      const yi = yo * sh - top + i * dh;
      if (yi < 0 || yi >= H) continue;
      const rowSrc = src + i * rowLen;
      const rowDst = dx + (b * H + yi) * W * Cin;
      for (let j = 0; j < kw; j++) {
        const xi = xs0 + j * dw;
        if (xi < 0 || xi >= W) continue;
        const s = rowSrc + j * Cin;
        const d = rowDst + xi * Cin;
        for (let k = 0; k < Cin; k++) heap[d + k] += heap[s + k];
      }
    }
  }
}
