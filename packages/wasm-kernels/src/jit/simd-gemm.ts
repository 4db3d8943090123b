// The pack's GEMM driver: C[M,N] = op(A)·op(B) on the wasm heap with the generated FMA micro-kernel. Both operands
// are packed (by the generated strided copy) into the panels the micro-kernel streams, reading transposed operands
// through their strides, so no transpose is ever materialised; edge tiles go through a small scratch tile.
import { gemmMicroKernel, GemmMicroKernel, PackFn } from './gemm-microkernel';
import { jitMemoryOf } from './wasm-jit';
import { freeHeap, mallocHeap, WasmBackend } from '../heap/wasm-backend';

/** Operands of one product (row-major float32 at heap byte offsets). */
export interface GemmProblem {
  /** A is [M, K], or [K, M] when `transA`. */
  a: number;
  transA: boolean;
  /** B is [K, N], or [N, K] when `transB`. */
  b: number;
  transB: boolean;
  /** C is [M, N]; it is overwritten. */
  c: number;
  M: number;
  K: number;
  N: number;
}

/** The micro-kernel for this backend, or undefined when the heap is not reachable (then XNNPACK is used). */
export function simdGemmKernel(backend: WasmBackend): GemmMicroKernel | undefined {
  const memory = jitMemoryOf(backend);
  return memory ? gemmMicroKernel(memory) : undefined;
}

/** The generated strided copy (the GEMM's packing routine) for this backend, or undefined (see simdGemmKernel). */
export function stridedCopyFor(backend: WasmBackend): PackFn | undefined {
  return simdGemmKernel(backend)?.pack;
}

/**
 * Cache blocking (BLIS-style): a KC×NR panel of packed B (12 KiB for 4×12 tiles) stays in L1 while the MC_BLOCKS row
 * blocks of a packed MC×KC block of A (40 KiB) stream past it. Measured on the project host: KC 128-384 and 10-40
 * row blocks are within a few per cent; 10 was best.
 */
const KC = 256;
const MC_BLOCKS = 10;

/**
 * An operand as the packer reads it: element (lane l, step k) at heap[base + l·laneStride + k·stepStride], lanes being
 * the rows of A or the columns of B, steps the shared K axis; a transposed operand just swaps the strides.
 */
interface PanelSource {
  base: number;
  laneStride: number;
  stepStride: number;
}

export function simdGemm(backend: WasmBackend, kernel: GemmMicroKernel, p: GemmProblem): void {
  const { M, K, N } = p;
  if (M === 0 || N === 0) return;
  if (K === 0) {
    new Float32Array(backend.wasm.HEAPU8.buffer, p.c, M * N).fill(0);
    return;
  }
  const { mr, nr } = kernel;
  const mc = mr * MC_BLOCKS;
  const nPanels = Math.ceil(N / nr);
  const nFull = Math.floor(N / nr);
  const kcMax = Math.min(KC, K);
  const aPackFloats = Math.min(mc, Math.ceil(M / mr) * mr) * kcMax;
  const bPackFloats = nPanels * nr * kcMax;
  const bytes = 4 * (aPackFloats + bPackFloats + mr * nr) + 64;
  const raw = mallocHeap(backend, bytes, 'vitkit wasm GEMM scratch');
  try {
    // 16-byte aligned; arithmetic, not `& ~15`, which would turn an address past 2 GiB negative
    const aPack = Math.ceil(raw / 16) * 16;
    const bPack = aPack + 4 * aPackFloats;
    const cTile = bPack + 4 * bPackFloats;
    // No allocation below: this view stays valid.
    const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
    const A: PanelSource = p.transA
      ? { base: p.a >>> 2, laneStride: 1, stepStride: M }
      : { base: p.a >>> 2, laneStride: K, stepStride: 1 };
    const B: PanelSource = p.transB
      ? { base: p.b >>> 2, laneStride: K, stepStride: 1 }
      : { base: p.b >>> 2, laneStride: 1, stepStride: N };
    const C = p.c >>> 2;
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kc = Math.min(KC, K - p0);
      const first = p0 === 0;
      const tile = first ? kernel.tile : kernel.tileAcc;
      packPanels(heap, kernel, B, 0, N, nr, p0, kc, bPack >>> 2);
      for (let i0 = 0; i0 < M; i0 += mc) {
        const rows = Math.min(mc, M - i0);
        const fullBlocks = Math.floor(rows / mr);
        packPanels(heap, kernel, A, i0, rows, mr, p0, kc, aPack >>> 2);
        if (fullBlocks > 0) {
          for (let jb = 0; jb < nFull; jb++) {
            tile(aPack, 4 * kc * mr, bPack + 4 * jb * kc * nr, p.c + 4 * (i0 * N + jb * nr), 4 * N, kc, fullBlocks);
          }
        }
        // Edge tiles (a partial column panel, a partial row block) through the scratch tile.
        const blocks = Math.ceil(rows / mr);
        for (let ib = 0; ib < blocks; ib++) {
          for (let jb = ib < fullBlocks ? nFull : 0; jb < nPanels; jb++) {
            kernel.tile(aPack + 4 * ib * kc * mr, 0, bPack + 4 * jb * kc * nr, cTile, 4 * nr, kc, 1);
            const tileRows = Math.min(mr, rows - ib * mr);
            const tileCols = Math.min(nr, N - jb * nr);
            for (let r = 0; r < tileRows; r++) {
              const src = (cTile >>> 2) + r * nr;
              const dst = C + (i0 + ib * mr + r) * N + jb * nr;
              if (first) for (let j = 0; j < tileCols; j++) heap[dst + j] = heap[src + j];
              else for (let j = 0; j < tileCols; j++) heap[dst + j] += heap[src + j];
            }
          }
        }
      }
    }
  } finally {
    freeHeap(backend, raw);
  }
}

/** Packs lanes l0..l0+lanes, steps p0..p0+kc of `op` into panels of kc steps × `width` floats (missing lanes zero). */
function packPanels(
  heap: Float32Array,
  kernel: GemmMicroKernel,
  op: PanelSource,
  l0: number,
  lanes: number,
  width: number,
  p0: number,
  kc: number,
  dst: number
): void {
  const panels = Math.ceil(lanes / width);
  for (let pb = 0; pb < panels; pb++) {
    const out = dst + pb * kc * width;
    const live = Math.min(width, lanes - pb * width);
    if (live < width) heap.fill(0, out, out + kc * width);
    const src = op.base + (l0 + pb * width) * op.laneStride + p0 * op.stepStride;
    kernel.pack(4 * src, 4 * op.stepStride, 4 * op.laneStride, live, kc, 4 * out, 4 * width);
  }
}
