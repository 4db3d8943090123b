// The register-blocked GEMM micro-kernel of the pack, generated as WebAssembly at run time and instantiated on the
// tfjs-backend-wasm heap (it imports the backend's own memory, so it reads and writes tensors in place).
//
// Why not XNNPACK: the stock wasm binary's SIMD GEMM multiplies and adds separately (wasm SIMD128 has no FMA),
// which on this project's Intel host measures 9-15 GFLOP/s. The relaxed-SIMD `f32x4.relaxed_madd` compiles to a
// hardware FMA; a 4×12 tile with it measures 22-26 GFLOP/s on the same host, and transposed operands cost nothing
// extra because the driver reads them through strides instead of materialising transposes.
import { FunctionBuilder, WasmMemory } from './wasm-module-builder';
import { instantiateOnMemory, kernelCache, relaxedSimdAvailable } from './wasm-jit';

export { relaxedSimdAvailable };

/**
 * C[MR·mBlocks, NR] = A·B for `mBlocks` row blocks of one NR-column panel, both operands packed: a block of A is K
 * steps of MR consecutive floats (consecutive blocks `aBlockStride` bytes apart), the panel of B K steps of NR
 * consecutive floats; C rows are `ldc` bytes apart. All addresses are heap byte offsets.
 */
export type GemmTileFn = (
  a: number,
  aBlockStride: number,
  b: number,
  c: number,
  ldc: number,
  K: number,
  mBlocks: number
) => void;

/** pack(src, outerStride, innerStride, inner, outer, dst, dstStride): a strided gather into rows (byte addresses). */
export type PackFn = (
  src: number,
  outerStride: number,
  innerStride: number,
  inner: number,
  outer: number,
  dst: number,
  dstStride: number
) => void;

export interface GemmMicroKernel {
  /** Writes the tiles. */
  tile: GemmTileFn;
  /** Adds the product to the tiles already in C (for the K blocks after the first). */
  tileAcc: GemmTileFn;
  /** Strided copy used to pack operands into panels (see packFunction). */
  pack: PackFn;
  /** Rows of a register tile. */
  mr: number;
  /** Columns of a register tile (a multiple of 4). */
  nr: number;
  /** True when the tile uses relaxed-SIMD FMA (else separate multiply and add). */
  fma: boolean;
}

/** Tile shapes measured best on the project host (tile-only, TurboFan): FMA 4×12 22-26 GFLOP/s, mul+add 4×8 17-22. */
const FMA_TILE = { mr: 4, nr: 12 };
const MUL_ADD_TILE = { mr: 4, nr: 8 };

/**
 * K steps per iteration of the main loop (the loads of a step use constant offsets, pointers move once per group).
 * Measured on the project host: 1 and 2 alike (24-28 GFLOP/s), 4 slower (V8's register allocation of the longer body).
 */
const K_UNROLL = 2;

function tileFunction(mr: number, nr: number, fma: boolean, accumulate: boolean): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [a, aBlockStride, b, c, ldc, K, mBlocks] = [0, 1, 2, 3, 4, 5, 6];
  const ap = f.local('i32');
  const bp = f.local('i32');
  const k = f.local('i32');
  const cp = f.local('i32');
  const nv = nr / 4;
  const acc: number[] = [];
  for (let i = 0; i < mr * nv; i++) acc.push(f.local('v128'));
  const bv: number[] = [];
  for (let j = 0; j < nv; j++) bv.push(f.local('v128'));
  const av = f.local('v128');

  /** One K step at constant offsets from ap and bp. */
  const kStep = (u: number) => {
    for (let j = 0; j < nv; j++)
      f.get(bp)
        .v128Load(4 * nr * u + 16 * j)
        .set(bv[j]);
    for (let r = 0; r < mr; r++) {
      f.get(ap)
        .v128Load32Splat(4 * mr * u + 4 * r)
        .set(av);
      for (let j = 0; j < nv; j++) {
        const x = acc[r * nv + j];
        if (fma) f.get(av).get(bv[j]).get(x).f32x4RelaxedMadd().set(x);
        else f.get(x).get(av).get(bv[j]).f32x4Mul().f32x4Add().set(x);
      }
    }
  };
  /** `count` iterations of `steps` K steps (count in local k). */
  const kLoop = (count: () => void, steps: number) => {
    count();
    f.set(k).block().get(k).i32Eqz().brIf(0).loop();
    for (let u = 0; u < steps; u++) kStep(u);
    f.addTo(ap, 4 * mr * steps).addTo(bp, 4 * nr * steps);
    f.get(k).i32Const(1).i32Sub().tee(k).brIf(0).end().end();
  };

  f.block().loop(); // over row blocks
  f.get(mBlocks).i32Eqz().brIf(1);
  if (accumulate) {
    f.get(c).set(cp);
    for (let r = 0; r < mr; r++) {
      for (let j = 0; j < nv; j++)
        f.get(cp)
          .v128Load(16 * j)
          .set(acc[r * nv + j]);
      f.addLocal(cp, ldc);
    }
  } else {
    for (const x of acc) f.v128Zero().set(x);
  }
  f.get(a).set(ap).get(b).set(bp);
  kLoop(() => f.get(K).i32Const(Math.log2(K_UNROLL)).i32ShrU(), K_UNROLL);
  kLoop(() => f.get(K).i32Const(K_UNROLL - 1).i32And(), 1);
  f.get(c).set(cp);
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nv; j++)
      f.get(cp)
        .get(acc[r * nv + j])
        .v128Store(16 * j);
    f.addLocal(cp, ldc);
  }
  f.addLocal(a, aBlockStride).get(cp).set(c);
  f.get(mBlocks).i32Const(1).i32Sub().set(mBlocks).br(0);
  f.end().end();
  return f;
}

/**
 * pack(src, outerStride, innerStride, inner, outer, dst, dstStride): for o < outer, i < inner,
 * dst[o·dstStride + 4i] = src[o·outerStride + i·innerStride] (byte strides). Contiguous rows of a multiple of 4
 * floats are copied as vectors.
 */
function packFunction(): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [src, outerStride, innerStride, inner, outer, dst, dstStride] = [0, 1, 2, 3, 4, 5, 6];
  const s = f.local('i32');
  const d = f.local('i32');
  const i = f.local('i32');
  const rows = (body: () => void) => {
    f.loop();
    f.get(src).set(s).get(dst).set(d);
    body();
    f.addLocal(src, outerStride).addLocal(dst, dstStride);
    f.get(outer).i32Const(1).i32Sub().tee(outer).brIf(0).end();
  };
  f.block().get(outer).i32Eqz().brIf(0).get(inner).i32Eqz().brIf(0);
  f.get(innerStride).i32Const(4).i32Eq().get(inner).i32Const(3).i32And().i32Eqz().i32And().if();
  rows(() => {
    f.get(inner).i32Const(2).i32ShrU().set(i).loop();
    f.get(d).get(s).v128Load(0).v128Store(0).addTo(s, 16).addTo(d, 16);
    f.get(i).i32Const(1).i32Sub().tee(i).brIf(0).end();
  });
  f.else();
  rows(() => {
    f.get(inner).set(i).loop();
    f.get(d).get(s).f32Load(0).f32Store(0).addLocal(s, innerStride).addTo(d, 4);
    f.get(i).i32Const(1).i32Sub().tee(i).brIf(0).end();
  });
  f.end().end();
  return f;
}

function instantiate(
  memory: WasmMemory,
  mr: number,
  nr: number,
  fma: boolean
): Pick<GemmMicroKernel, 'tile' | 'tileAcc' | 'pack'> {
  const exports = instantiateOnMemory(memory, [
    { name: 'tile', fn: tileFunction(mr, nr, fma, false) },
    { name: 'tileAcc', fn: tileFunction(mr, nr, fma, true) },
    { name: 'pack', fn: packFunction() },
  ]);
  return { tile: exports.tile as GemmTileFn, tileAcc: exports.tileAcc as GemmTileFn, pack: exports.pack as PackFn };
}

const kernels = kernelCache<GemmMicroKernel>();

/** The micro-kernel instantiated on `memory` (compiled once per memory and engine settings). */
export function gemmMicroKernel(memory: WasmMemory): GemmMicroKernel {
  return kernels.get(memory, () => {
    const fma = relaxedSimdAvailable();
    const { mr, nr } = fma ? FMA_TILE : MUL_ADD_TILE;
    return { ...instantiate(memory, mr, nr, fma), mr, nr, fma };
  });
}

/** For tests and benchmarks: a micro-kernel of a given shape and arithmetic. */
export function customGemmMicroKernel(memory: WasmMemory, mr: number, nr: number, fma: boolean): GemmMicroKernel {
  if (nr % 4 !== 0 || mr < 1)
    throw new Error(`gemm micro-kernel: nr must be a multiple of 4 and mr >= 1 (got ${mr}×${nr})`);
  if (fma && !relaxedSimdAvailable())
    throw new Error('gemm micro-kernel: relaxed SIMD is not available in this engine');
  return { ...instantiate(memory, mr, nr, fma), mr, nr, fma };
}
