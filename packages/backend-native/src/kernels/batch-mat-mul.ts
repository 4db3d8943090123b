// BatchMatMul and _FusedMatMul as OpenBLAS sgemm calls: transposed operands are passed as CblasTrans (no copies),
// broadcast batches as repeated offsets into the same buffer, and a shared right operand folds the left batch into
// the rows of a single GEMM (every linear layer on a [B, N, D] activation).
import * as tf from '@tensorflow/tfjs';
import { asNative, NativeBackend } from '../backend';
import { biasAndActivation, runCpuKernel } from './cpu-fallback';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Offsets (in elements) of operand batches for every output batch, with numpy broadcasting of the batch dims. */
export function broadcastOffsets(outBatch: number[], batch: number[], matrixSize: number): Float64Array {
  const count = size(outBatch);
  const offsets = new Float64Array(count);
  const lead = outBatch.length - batch.length;
  for (let i = 0; i < count; i++) {
    let rest = i;
    let index = 0;
    let stride = 1;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const coord = rest % outBatch[d];
      rest = Math.floor(rest / outBatch[d]);
      const bd = d - lead;
      if (bd >= 0) {
        if (batch[bd] !== 1) index += coord * stride;
        stride *= batch[bd];
      }
    }
    offsets[i] = index * matrixSize;
  }
  return offsets;
}

/**
 * a·b with tfjs BatchMatMul semantics on float32 operands; with `bias` (one value per output column), a·b + bias, the
 * bias written into the output first, by the thread that then computes those rows, and the GEMM accumulating onto it
 * (no second buffer, no second pass).
 */
export function nativeMatMul(backend: NativeBackend, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, bias?: Float32Array): tf.TensorInfo {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) throw new Error(`BatchMatMul: operands must have rank >= 2, got [${a.shape}] and [${b.shape}]`);
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const kb = transposeB ? bCols : bRows;
  const n = transposeB ? bRows : bCols;
  if (k !== kb) {
    throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(aBatch, bBatch);
  const out = backend.output([...outBatch, m, n]);
  const av = backend.f32(a);
  const bv = backend.f32(b);
  const count = size(outBatch);
  if (count === 0 || m === 0 || n === 0) return out.info;
  const one = new Float64Array(1);
  if (size(bBatch) === 1 && !transposeA && size(aBatch) === count) {
    // one GEMM: the left batch stacked as rows
    backend.addon.gemmBatched(false, transposeB, count * m, n, k, 1, av, one, aCols, bv, one, bCols, 0, out.values, one, n, bias);
    return out.info;
  }
  const aOffsets = broadcastOffsets(outBatch, aBatch, aRows * aCols);
  const bOffsets = broadcastOffsets(outBatch, bBatch, bRows * bCols);
  const cOffsets = new Float64Array(count);
  for (let i = 0; i < count; i++) cOffsets[i] = i * m * n;
  backend.addon.gemmBatched(transposeA, transposeB, m, n, k, 1, av, aOffsets, aCols, bv, bOffsets, bCols, 0, out.values, cOffsets, n, bias);
  return out.info;
}

function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return runCpuKernel('BatchMatMul', { ...args, backend }) as tf.TensorInfo;
  return nativeMatMul(backend, a, b, !!transposeA, !!transposeB);
}

function fusedMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<'a' | 'b' | 'bias' | 'preluActivationWeights', tf.TensorInfo | undefined>;
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string; leakyreluAlpha?: number };
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return runCpuKernel('_FusedMatMul', { ...args, backend }) as tf.TensorInfo;
  const n = attrs.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  // a bias of one value per column goes into the GEMM; any other (broadcast) bias is added after it
  const columnBias = bias && bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === n ? backend.f32(bias) : undefined;
  const product = nativeMatMul(backend, a, b, !!attrs.transposeA, !!attrs.transposeB, columnBias);
  return biasAndActivation(backend, product, columnBias ? undefined : bias, attrs.activation ?? 'linear', preluActivationWeights, attrs.leakyreluAlpha);
}

export const batchMatMulConfig = { kernelName: 'BatchMatMul', kernelFunc: batchMatMul as unknown as tf.KernelFunc };
export const fusedMatMulConfig = { kernelName: '_FusedMatMul', kernelFunc: fusedMatMul as unknown as tf.KernelFunc };
