// SIMD versions of the pack's fused element-wise kernels (exact GELU and LayerNorm, forward and backward) and of its
// leading-axis sum (bias gradients), generated as WebAssembly and run in place on the tfjs-backend-wasm heap. The JS
// loops they replace run at 5-22 ns per element on this project's host; SIMD lanes, FMA and no per-element function
// calls bring that to ~0.5-2 ns.
//
// GELU needs Φ(x) and φ(x) = e^(−x²/2)/√(2π). One exponential gives both: φ directly, and Φ through the
// Abramowitz-Stegun 7.1.26 form of erf (|error| ≤ 1.5e-7): Φ(x) = 1 − q for x ≥ 0 and q for x < 0, with
// q = ½·t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e^(−x²/2), t = 1/(1 + p·|x|/√2).
// The exponential: n = round(z·log2 e), r = z − n·ln 2 in two parts, e^r by its degree-6 Taylor polynomial
// (|r| ≤ ln2/2: relative error < 2e-7), times 2^n built in the exponent bits.
import { FunctionBuilder, WasmMemory } from './wasm-module-builder';
import { instantiateOnMemory, jitMemoryOf, kernelCache, relaxedSimdAvailable } from './wasm-jit';

/** gelu(x, y, groups): y = x·Φ(x) for `groups` × 4 floats. */
export type GeluFn = (x: number, y: number, groups: number) => void;
/** geluGrad(dy, x, dx, groups): dx = dy·(Φ(x) + x·φ(x)). */
export type GeluGradFn = (dy: number, x: number, dx: number, groups: number) => void;
/** layerNorm(x, gamma, beta, y, mean, rstd, rows, d, eps) over rows of d floats (d a multiple of 4). */
export type LayerNormFn = (
  x: number,
  gamma: number,
  beta: number,
  y: number,
  mean: number,
  rstd: number,
  rows: number,
  d: number,
  eps: number
) => void;
/** layerNormGrad(dy, x, mean, rstd, gamma, dx, dgamma, dbeta, rows, d): dgamma and dbeta must start at zero. */
export type LayerNormGradFn = (
  dy: number,
  x: number,
  mean: number,
  rstd: number,
  gamma: number,
  dx: number,
  dgamma: number,
  dbeta: number,
  rows: number,
  d: number
) => void;

/** columnSum(x, acc, rows, pairs, rowBytes): float64 acc[j] += Σ_r x[r, j] (see columnSumFunction). */
export type ColumnSumFn = (x: number, acc: number, rows: number, pairs: number, rowBytes: number) => void;

export interface SimdElementwise {
  gelu: GeluFn;
  geluGrad: GeluGradFn;
  layerNorm: LayerNormFn;
  layerNormGrad: LayerNormGradFn;
  columnSum: ColumnSumFn;
}

const LOG2E = Math.LOG2E;
const LN2_HI = 0.693359375; // exact in float32, so n·LN2_HI is exact for the n that occur here
const LN2_LO = Math.LN2 - LN2_HI;
const EXP_MIN = -87; // e^−87 ≈ 1.6e−38 is still a normal float32; 2^n stays in the exponent range
const AS_P = 0.3275911;
const AS_A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Emits vector code with an FMA (relaxed madd) where the engine has one, else multiply then add. */
class VectorEmitter {
  constructor(readonly f: FunctionBuilder, readonly fma: boolean) {}

  /** Pushes a·b + c, the operands being pushed by the callbacks. */
  madd(a: () => void, b: () => void, c: () => void): void {
    a();
    b();
    if (this.fma) {
      c();
      this.f.f32x4RelaxedMadd();
    } else {
      this.f.f32x4Mul();
      c();
      this.f.f32x4Add();
    }
  }

  /** Horner evaluation of Σ coeffs[i]·r^i (coeffs from degree 0) into `out`. */
  polynomial(r: number, coeffs: readonly number[], out: number): void {
    const f = this.f;
    f.f32x4Const(coeffs[coeffs.length - 1]).set(out);
    for (let i = coeffs.length - 2; i >= 0; i--) {
      this.madd(
        () => f.get(out),
        () => f.get(r),
        () => f.f32x4Const(coeffs[i])
      );
      f.set(out);
    }
  }

  /** out = e^z for z ≤ 0 lanes (clamped at −87), using the scratch locals n and r. */
  exp(z: number, out: number, n: number, r: number): void {
    const f = this.f;
    f.get(z).f32x4Const(EXP_MIN).f32x4Max().set(r);
    f.get(r).f32x4Const(LOG2E).f32x4Mul().f32x4Nearest().set(n);
    this.madd(
      () => f.get(n),
      () => f.f32x4Const(-LN2_HI),
      () => f.get(r)
    );
    f.set(r);
    this.madd(
      () => f.get(n),
      () => f.f32x4Const(-LN2_LO),
      () => f.get(r)
    );
    f.set(r);
    this.polynomial(r, [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720], out);
    // 2^n: (n + 127) << 23 as float32 bits
    f.get(out).get(n).i32x4TruncSatF32x4S().i32x4Const(127).i32x4Add().i32Const(23).i32x4Shl().f32x4Mul().set(out);
  }

  /** cdf = Φ(x), pdf = φ(x), with scratch locals t1..t4. */
  normal(x: number, cdf: number, pdf: number, t1: number, t2: number, t3: number, t4: number): void {
    const f = this.f;
    // e = e^(−x²/2) into pdf (scaled at the end)
    f.get(x).get(x).f32x4Mul().f32x4Const(-0.5).f32x4Mul().set(t1);
    this.exp(t1, pdf, t2, t3);
    // t = 1 / (1 + p·|x|/√2)
    f.f32x4Const(1);
    this.madd(
      () => f.get(x).f32x4Abs(),
      () => f.f32x4Const(AS_P / Math.SQRT2),
      () => f.f32x4Const(1)
    );
    f.f32x4Div().set(t1);
    this.polynomial(t1, [0, ...AS_A], t4);
    // q = ½·poly·e; Φ = x ≥ 0 ? 1 − q : q
    f.get(t4).get(pdf).f32x4Mul().f32x4Const(0.5).f32x4Mul().set(t4);
    f.f32x4Const(1).get(t4).f32x4Sub().get(t4).get(x).f32x4Const(0).f32x4Ge().v128Bitselect().set(cdf);
    f.get(pdf).f32x4Const(INV_SQRT_2PI).f32x4Mul().set(pdf);
  }

  /** Pushes the sum of the four lanes of `v` as an f32. */
  horizontalSum(v: number): void {
    const f = this.f;
    f.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Add();
    f.get(v).f32x4ExtractLane(2).f32Add().get(v).f32x4ExtractLane(3).f32Add();
  }
}

/** Loop `body` over `groups` vectors; `pointers` advance by 16 bytes per vector. */
function vectorLoop(f: FunctionBuilder, groups: number, pointers: number[], body: () => void): void {
  f.block().get(groups).i32Eqz().brIf(0).loop();
  body();
  for (const p of pointers) f.addTo(p, 16);
  f.get(groups).i32Const(1).i32Sub().tee(groups).brIf(0).end().end();
}

function geluFunction(fma: boolean, grad: boolean): FunctionBuilder {
  const f = new FunctionBuilder(grad ? ['i32', 'i32', 'i32', 'i32'] : ['i32', 'i32', 'i32']);
  const e = new VectorEmitter(f, fma);
  const [dy, x, out, groups] = grad ? [0, 1, 2, 3] : [-1, 0, 1, 2];
  const [xv, cdf, pdf, t1, t2, t3, t4] = Array.from({ length: 7 }, () => f.local('v128'));
  vectorLoop(f, groups, grad ? [dy, x, out] : [x, out], () => {
    f.get(x).v128Load(0).set(xv);
    e.normal(xv, cdf, pdf, t1, t2, t3, t4);
    f.get(out);
    if (grad) {
      // dy·(Φ + x·φ)
      e.madd(
        () => f.get(xv),
        () => f.get(pdf),
        () => f.get(cdf)
      );
      f.get(dy).v128Load(0).f32x4Mul();
    } else {
      f.get(xv).get(cdf).f32x4Mul();
    }
    f.v128Store(0);
  });
  return f;
}

function layerNormFunction(fma: boolean): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'f32']);
  const [x, gamma, beta, y, mean, rstd, rows, d, eps] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const e = new VectorEmitter(f, fma);
  const [px, pg, pb, py, groups, rowBytes] = Array.from({ length: 6 }, () => f.local('i32'));
  const [mu, inv] = [f.local('f32'), f.local('f32')];
  const [acc, muv, invv, c] = Array.from({ length: 4 }, () => f.local('v128'));
  f.get(d).i32Const(4).i32Mul().set(rowBytes);
  const groupsPerRow = () => f.get(d).i32Const(4).i32Div().set(groups);
  f.block().get(rows).i32Eqz().brIf(0).loop();
  // mean
  f.v128Zero().set(acc).get(x).set(px);
  groupsPerRow();
  vectorLoop(f, groups, [px], () => f.get(acc).get(px).v128Load(0).f32x4Add().set(acc));
  e.horizontalSum(acc);
  f.get(d).f32ConvertI32().f32Div().set(mu);
  f.get(mu).f32x4Splat().set(muv);
  // variance
  f.v128Zero().set(acc).get(x).set(px);
  groupsPerRow();
  vectorLoop(f, groups, [px], () => {
    f.get(px).v128Load(0).get(muv).f32x4Sub().set(c);
    e.madd(
      () => f.get(c),
      () => f.get(c),
      () => f.get(acc)
    );
    f.set(acc);
  });
  f.f32Const(1);
  e.horizontalSum(acc);
  f.get(d).f32ConvertI32().f32Div().get(eps).f32Add().f32Sqrt().f32Div().set(inv);
  f.get(inv).f32x4Splat().set(invv);
  // y = (x − μ)·rstd·γ + β
  f.get(x).set(px).get(gamma).set(pg).get(beta).set(pb).get(y).set(py);
  groupsPerRow();
  vectorLoop(f, groups, [px, pg, pb, py], () => {
    f.get(py);
    e.madd(
      () => f.get(px).v128Load(0).get(muv).f32x4Sub().get(invv).f32x4Mul(),
      () => f.get(pg).v128Load(0),
      () => f.get(pb).v128Load(0)
    );
    f.v128Store(0);
  });
  f.get(mean).get(mu).f32Store(0).get(rstd).get(inv).f32Store(0);
  f.addTo(mean, 4).addTo(rstd, 4).addLocal(x, rowBytes).addLocal(y, rowBytes);
  f.get(rows).i32Const(1).i32Sub().tee(rows).brIf(0).end().end();
  return f;
}

function layerNormGradFunction(fma: boolean): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [dy, x, mean, rstd, gamma, dx, dgamma, dbeta, rows, d] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const e = new VectorEmitter(f, fma);
  const [pdy, px, pg, pdg, pdb, pdx, groups, rowBytes] = Array.from({ length: 8 }, () => f.local('i32'));
  const [muv, invv, sumG, sumGX, dyv, xh, gh, av, cv] = Array.from({ length: 9 }, () => f.local('v128'));
  f.get(d).i32Const(4).i32Mul().set(rowBytes);
  const groupsPerRow = () => f.get(d).i32Const(4).i32Div().set(groups);
  const loadXhat = () => f.get(px).v128Load(0).get(muv).f32x4Sub().get(invv).f32x4Mul().set(xh);
  f.block().get(rows).i32Eqz().brIf(0).loop();
  f.get(mean).f32Load(0).f32x4Splat().set(muv).get(rstd).f32Load(0).f32x4Splat().set(invv);
  // pass 1: Σĝ and Σĝ·x̂ for this row (ĝ = dy·γ); dγ += dy·x̂, dβ += dy
  f.v128Zero().set(sumG).v128Zero().set(sumGX);
  f.get(dy).set(pdy).get(x).set(px).get(gamma).set(pg).get(dgamma).set(pdg).get(dbeta).set(pdb);
  groupsPerRow();
  vectorLoop(f, groups, [pdy, px, pg, pdg, pdb], () => {
    f.get(pdy).v128Load(0).set(dyv);
    loadXhat();
    f.get(dyv).get(pg).v128Load(0).f32x4Mul().set(gh);
    f.get(sumG).get(gh).f32x4Add().set(sumG);
    e.madd(
      () => f.get(gh),
      () => f.get(xh),
      () => f.get(sumGX)
    );
    f.set(sumGX);
    f.get(pdg);
    e.madd(
      () => f.get(dyv),
      () => f.get(xh),
      () => f.get(pdg).v128Load(0)
    );
    f.v128Store(0);
    f.get(pdb).get(pdb).v128Load(0).get(dyv).f32x4Add().v128Store(0);
  });
  e.horizontalSum(sumG);
  f.get(d).f32ConvertI32().f32Div().f32x4Splat().set(av);
  e.horizontalSum(sumGX);
  f.get(d).f32ConvertI32().f32Div().f32x4Splat().set(cv);
  // pass 2: dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))
  f.get(dy).set(pdy).get(x).set(px).get(gamma).set(pg).get(dx).set(pdx);
  groupsPerRow();
  vectorLoop(f, groups, [pdy, px, pg, pdx], () => {
    loadXhat();
    f.get(pdx);
    f.get(pdy).v128Load(0).get(pg).v128Load(0).f32x4Mul().get(av).f32x4Sub();
    f.get(xh).get(cv).f32x4Mul().f32x4Sub().get(invv).f32x4Mul();
    f.v128Store(0);
  });
  f.addTo(mean, 4).addTo(rstd, 4).addLocal(x, rowBytes).addLocal(dy, rowBytes).addLocal(dx, rowBytes);
  f.get(rows).i32Const(1).i32Sub().tee(rows).brIf(0).end().end();
  return f;
}

/**
 * columnSum(x, acc, rows, pairs, rowBytes): acc[j] += Σ_r x[r, j] for j < 2·pairs, float32 rows `rowBytes` apart,
 * float64 accumulators. Four rows at a time as acc + ((x0 + x1) + (x2 + x3)), the order of the JS loop it replaces.
 */
function columnSumFunction(): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, acc, rows, pairs, rowBytes] = [0, 1, 2, 3, 4];
  const [p0, p1, p2, p3, pa, j] = Array.from({ length: 6 }, () => f.local('i32'));
  const row = (p: number) => f.get(p).v128Load64Zero(0).f64x2PromoteLowF32x4();
  const sweep = (width: 1 | 4) => {
    f.get(x).set(p0).get(acc).set(pa).get(pairs).set(j);
    if (width === 4) {
      f.get(p0).get(rowBytes).i32Add().set(p1);
      f.get(p1).get(rowBytes).i32Add().set(p2);
      f.get(p2).get(rowBytes).i32Add().set(p3);
    }
    f.loop();
    f.get(pa).get(pa).v128Load(0);
    if (width === 4) {
      row(p0);
      row(p1);
      f.f64x2Add();
      row(p2);
      row(p3);
      f.f64x2Add().f64x2Add();
    } else {
      row(p0);
    }
    f.f64x2Add().v128Store(0);
    for (const p of width === 4 ? [p0, p1, p2, p3] : [p0]) f.addTo(p, 8);
    f.addTo(pa, 16);
    f.get(j).i32Const(1).i32Sub().tee(j).brIf(0).end();
    f.get(x).get(rowBytes).i32Const(width).i32Mul().i32Add().set(x);
    f.get(rows).i32Const(width).i32Sub().set(rows);
  };
  f.block().get(pairs).i32Eqz().brIf(0);
  f.block().loop().get(rows).i32Const(4).i32LtU().brIf(1);
  sweep(4);
  f.br(0).end().end();
  f.block().loop().get(rows).i32Eqz().brIf(1);
  sweep(1);
  f.br(0).end().end();
  f.end();
  return f;
}

const modules = kernelCache<SimdElementwise>();

/**
 * The SIMD element-wise kernels instantiated on `memory`: with the engine's FMA setting compiled once per memory and
 * engine settings; with an explicit `fma` (tests comparing both) compiled on each call.
 */
export function simdElementwise(memory: WasmMemory, fma?: boolean): SimdElementwise {
  if (fma === undefined || fma === relaxedSimdAvailable()) return modules.get(memory, () => compileElementwise(memory, relaxedSimdAvailable()));
  return compileElementwise(memory, fma);
}

function compileElementwise(memory: WasmMemory, fma: boolean): SimdElementwise {
  const exports = instantiateOnMemory(memory, [
    { name: 'gelu', fn: geluFunction(fma, false) },
    { name: 'geluGrad', fn: geluFunction(fma, true) },
    { name: 'layerNorm', fn: layerNormFunction(fma) },
    { name: 'layerNormGrad', fn: layerNormGradFunction(fma) },
    { name: 'columnSum', fn: columnSumFunction() },
  ]);
  const kernels: SimdElementwise = {
    gelu: exports.gelu as GeluFn,
    geluGrad: exports.geluGrad as GeluGradFn,
    layerNorm: exports.layerNorm as LayerNormFn,
    layerNormGrad: exports.layerNormGrad as LayerNormGradFn,
    columnSum: exports.columnSum as ColumnSumFn,
  };
  return kernels;
}

/** The kernels for a backend's heap, or undefined when generated kernels are off or the heap is not reachable. */
export function simdElementwiseFor(backend: { wasm: { asm?: { memory?: unknown } } }): SimdElementwise | undefined {
  const memory = jitMemoryOf(backend);
  return memory ? simdElementwise(memory) : undefined;
}
