// Transpose for the wasm backend: the permutation is first simplified (size-1 axes dropped, input axes that stay
// adjacent merged). What is then rank <= 4 runs on the stock kernel (fast for those ranks); a genuinely rank >= 5
// permutation (e.g. the torch-style head split [B, N, 3, h, d] -> [3, B, h, N, d]), for which the stock kernel runs a
// ~10 Melem/s generic loop, is done by a JS loop copying contiguous runs of the innermost axis.
import { tf } from '@vitkit/core';
import { markOwn, reshapeInfo, runStock } from '../heap/stock-kernels';
import { asWasmBackend, f32Of, i32Of, KernelArgs, release } from '../heap/wasm-backend';

/** Collapsed input shape and permutation equivalent to transposing `shape` by `perm`. */
export function collapsePermutation(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((a) => shape[a] !== 1); // output order, input axis ids
  const sortedKept = kept.slice().sort((p, q) => p - q);
  const compact = kept.map((a) => sortedKept.indexOf(a)); // permutation of the axes that are not 1
  const groups: number[][] = []; // runs of consecutive (compact) input axes, in output order
  for (const a of compact) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] + 1 === a) last.push(a);
    else groups.push([a]);
  }
  const byInput = [...groups].sort((g, h) => g[0] - h[0]);
  return {
    shape: byInput.map((g) => g.reduce((size, a) => size * shape[sortedKept[a]], 1)),
    perm: groups.map((g) => byInput.indexOf(g)),
  };
}

function transpose(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { perm } = (args.attrs ?? {}) as { perm: number[] };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return runStock('Transpose', args);
  const outShape = perm.map((a) => x.shape[a]);
  const c = collapsePermutation(x.shape, perm);
  if (c.perm.length <= 4) {
    if (c.perm.length === x.shape.length) return runStock('Transpose', args);
    const xc = reshapeInfo(backend, x, c.shape.length ? c.shape : [1]);
    try {
      const out = runStock('Transpose', { inputs: { x: xc }, backend, attrs: { perm: c.perm.length ? c.perm : [0] } });
      return { ...out, shape: outShape };
    } finally {
      release(backend, xc);
    }
  }
  const r = c.perm.length;
  const inStrides = new Array<number>(r);
  for (let d = r - 1, s = 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= c.shape[d];
  }
  const oShape = c.perm.map((a) => c.shape[a]);
  const oStrides = c.perm.map((a) => inStrides[a]); // input stride of each output axis
  const out = backend.makeOutput(outShape, x.dtype);
  const xs = x.dtype === 'float32' ? f32Of(backend, x) : i32Of(backend, x);
  const os = x.dtype === 'float32' ? f32Of(backend, out) : i32Of(backend, out);
  const n = oShape[r - 1];
  const step = oStrides[r - 1];
  const coord = new Array<number>(r - 1).fill(0);
  const total = os.length;
  let src = 0;
  for (let o = 0; o < total; o += n) {
    if (step === 1) {
      for (let k = 0; k < n; k++) os[o + k] = xs[src + k];
    } else {
      for (let k = 0, s = src; k < n; k++, s += step) os[o + k] = xs[s];
    }
    // advance the odometer over the outer output axes
    for (let d = r - 2; d >= 0; d--) {
      src += oStrides[d];
      if (++coord[d] < oShape[d]) break;
      src -= oStrides[d] * oShape[d];
      coord[d] = 0;
    }
  }
  return out;
}
markOwn(transpose as unknown as tf.KernelFunc);

export const transposeConfig: tf.KernelConfig = {
  kernelName: 'Transpose',
  backendName: 'wasm',
  kernelFunc: transpose as unknown as tf.KernelFunc,
};
