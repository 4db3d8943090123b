import { tf } from '../tf';
import type { Module } from '../nn/module';

/**
 * Numerical gradient checking for tests.
 *
 * The loss is `L = Σ f(...) ⊙ R` with a fixed random weight tensor `R`, so every output element contributes with a
 * different weight. The analytic gradient comes from `tf.variableGrads`; the numerical one from central differences
 * `(L(x + h) − L(x − h)) / (x₊ − x₋)`, where the loss is summed on the host in float64 and the denominator uses
 * the float32-rounded perturbed values actually fed to the model. Only float32 rounding of the forward outputs is
 * left as noise, so `eps = 1e-2` with a 2 % relative / `1e-3·scale` absolute tolerance is tight enough to catch a wrong
 * gradient (a wrong sign, a missing term or a transposed weight gives O(1) relative errors).
 */
export interface GradcheckOptions {
  /** Central-difference half step (absolute, in input units). Default 1e-2. */
  eps?: number;
  /** Relative tolerance. Default 2e-2. */
  rtol?: number;
  /** Absolute tolerance, multiplied by the largest |analytic gradient| of the tensor. Default 2e-3. */
  atol?: number;
  /** At most this many elements of each tensor are perturbed (chosen at random, deterministic). Default 24. */
  maxPerTensor?: number;
  /** Seed of the loss weights and the element choice. */
  seed?: number;
}

export interface GradcheckEntry {
  name: string;
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradcheckResult {
  /** Elements whose analytic and numerical gradients disagree beyond tolerance (empty when all agree). */
  failures: GradcheckEntry[];
  /** Elements checked per tensor. */
  checked: Record<string, number>;
  /** Largest |analytic − numeric| / (|numeric| + atol) over all checked elements. */
  worstRatio: number;
  /** Largest |analytic| per tensor (a check of an all-zero gradient would prove little). */
  maxAbsGrad: Record<string, number>;
}

/** mulberry32, so the check is reproducible and independent of the library RNG. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Checks the gradient of `forward` with respect to each named variable. Inputs to differentiate must be passed as
 * trainable `tf.Variable`s too (wrap them with `tf.variable(x)`); `forward` reads them by closure.
 * The variables' values are restored afterwards.
 */
export function gradcheck(forward: () => tf.Tensor, variables: Record<string, tf.Variable>, options: GradcheckOptions = {}): GradcheckResult {
  const eps = options.eps ?? 1e-2;
  const rtol = options.rtol ?? 2e-2;
  const atolRel = options.atol ?? 2e-3;
  const maxPer = options.maxPerTensor ?? 24;
  const rand = rng(options.seed ?? 1234);

  const probe = tf.tidy(forward);
  const outShape = probe.shape;
  const weights = new Float64Array(probe.size);
  probe.dispose();
  for (let i = 0; i < weights.length; i++) weights[i] = rand() * 2 - 1;
  const weightTensor = tf.tensor(Float32Array.from(weights), outShape);

  // Host-side loss in float64 from the float32 outputs.
  const hostLoss = (): number => {
    const y = tf.tidy(forward);
    const d = y.dataSync();
    y.dispose();
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[i] * Math.fround(weights[i]);
    return s;
  };

  const names = Object.keys(variables);
  const vars = names.map((n) => variables[n]);
  for (const [n, v] of Object.entries(variables)) {
    if (!v.trainable) throw new Error(`gradcheck: variable "${n}" is not trainable, tf.variableGrads would skip it`);
  }
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(forward(), weightTensor)) as tf.Scalar, vars);
  value.dispose();
  weightTensor.dispose();

  const failures: GradcheckEntry[] = [];
  const checked: Record<string, number> = {};
  const maxAbsGrad: Record<string, number> = {};
  let worstRatio = 0;
  for (let vi = 0; vi < vars.length; vi++) {
    const name = names[vi];
    const v = vars[vi];
    const g = grads[v.name];
    if (!g) throw new Error(`gradcheck: no gradient was returned for "${name}" (is it used by forward?)`);
    const analytic = g.dataSync().slice();
    g.dispose();
    let gmax = 0;
    for (const a of analytic) gmax = Math.max(gmax, Math.abs(a));
    maxAbsGrad[name] = gmax;
    const atol = atolRel * Math.max(gmax, 1e-6);

    const original = v.dataSync().slice() as Float32Array;
    const n = original.length;
    const indices: number[] = [];
    if (n <= maxPer) {
      for (let i = 0; i < n; i++) indices.push(i);
    } else {
      const chosen = new Set<number>();
      while (chosen.size < maxPer) chosen.add(Math.floor(rand() * n));
      indices.push(...[...chosen].sort((a, b) => a - b));
    }
    const work = original.slice();
    const set = (arr: Float32Array) => tf.tidy(() => v.assign(tf.tensor(arr, v.shape)));
    try {
      for (const i of indices) {
        const x0 = original[i];
        const xp = Math.fround(x0 + eps);
        const xm = Math.fround(x0 - eps);
        work[i] = xp;
        set(work);
        const lp = hostLoss();
        work[i] = xm;
        set(work);
        const lm = hostLoss();
        work[i] = x0;
        const numeric = (lp - lm) / (xp - xm);
        const a = analytic[i];
        const err = Math.abs(a - numeric);
        const tol = atol + rtol * Math.abs(numeric);
        worstRatio = Math.max(worstRatio, err / (Math.abs(numeric) * rtol + atol));
        if (!(err <= tol)) failures.push({ name, index: i, analytic: a, numeric });
      }
    } finally {
      set(original);
    }
    checked[name] = indices.length;
  }
  return { failures, checked, worstRatio, maxAbsGrad };
}

/** Formats failures for an assertion message. */
export function describeGradcheck(r: GradcheckResult): string {
  const lines = r.failures.slice(0, 10).map((f) => `${f.name}[${f.index}]: analytic ${f.analytic} vs numeric ${f.numeric}`);
  return `${r.failures.length} gradient mismatches (worst ratio ${r.worstRatio.toFixed(3)})${lines.length ? ':\n' + lines.join('\n') : ''}`;
}

/** Asserts-style helper: throws with the details unless every checked element agrees and gradients are non-trivial. */
export function expectGradientsMatch(forward: () => tf.Tensor, variables: Record<string, tf.Variable>, options: GradcheckOptions = {}): GradcheckResult {
  const r = gradcheck(forward, variables, options);
  if (r.failures.length) throw new Error(describeGradcheck(r));
  for (const [n, g] of Object.entries(r.maxAbsGrad)) {
    if (!(g > 0)) throw new Error(`gradcheck: the gradient of "${n}" is identically zero; the check proves nothing`);
  }
  return r;
}

/** Deterministic pseudo-random values in [-scale, scale) (independent of the library RNG). */
export function seededValues(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * scale;
  return out;
}

/** Deterministic standard-normal values (Box–Muller). */
export function seededNormal(n: number, seed: number, std = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

/** max |a − b| over two equally long arrays (throws when the lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Float64 host references used by the layer tests (written from the PyTorch definitions, independent of tfjs).
// Tensors are flat row-major arrays; weights are in the PyTorch layout (Linear [out, in]).
// ---------------------------------------------------------------------------------------------------------------

/**
 * erf in float64: the Maclaurin series for |x| < 2.5 (cancellation costs < 3 digits there) and the continued
 * fraction of erfc (Abramowitz–Stegun 7.1.14) evaluated bottom-up for |x| ≥ 2.5; accurate to ~1e-14.
 */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  let f = ax;
  for (let k = 120; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export const gelu64 = (x: number): number => 0.5 * x * (1 + erf64(x / Math.SQRT2));

/** `x [rows, in] · Wᵀ + b` with W `[out, in]`. */
export function linear64(x: ArrayLike<number>, inF: number, w: ArrayLike<number>, b: ArrayLike<number> | null): Float64Array {
  const outF = w.length / inF;
  const rows = x.length / inF;
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = s;
    }
  return y;
}

/** LayerNorm over the last axis (biased variance). */
export function layerNorm64(x: ArrayLike<number>, dim: number, eps: number, gamma: ArrayLike<number>, beta: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / dim; r++) {
    let mean = 0;
    for (let j = 0; j < dim; j++) mean += x[r * dim + j];
    mean /= dim;
    let v = 0;
    for (let j = 0; j < dim; j++) v += (x[r * dim + j] - mean) ** 2;
    v /= dim;
    for (let j = 0; j < dim; j++) out[r * dim + j] = ((x[r * dim + j] - mean) / Math.sqrt(v + eps)) * gamma[j] + beta[j];
  }
  return out;
}

/**
 * Naive multi-head attention core on separate q `[B, Nq, H·d]`, k and v `[B, Nk, H·d]` (heads are contiguous
 * channel groups): `softmax(q·kᵀ·scale)·v` per head, merged back to `[B, Nq, H·d]`.
 */
export function attentionCore64(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, b: number, nq: number, nk: number, heads: number, dim: number, scale: number): Float64Array {
  const d = dim / heads;
  const out = new Float64Array(b * nq * dim);
  const logits = new Float64Array(nk);
  for (let n = 0; n < b; n++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < nq; i++) {
        let max = -Infinity;
        for (let j = 0; j < nk; j++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += q[(n * nq + i) * dim + h * d + c] * k[(n * nk + j) * dim + h * d + c];
          logits[j] = s * scale;
          max = Math.max(max, logits[j]);
        }
        let z = 0;
        for (let j = 0; j < nk; j++) z += (logits[j] = Math.exp(logits[j] - max));
        for (let c = 0; c < d; c++) {
          let s = 0;
          for (let j = 0; j < nk; j++) s += (logits[j] / z) * v[(n * nk + j) * dim + h * d + c];
          out[(n * nq + i) * dim + h * d + c] = s;
        }
      }
  return out;
}

/** timm `Attention` forward: fused qkv `[3C, C]` (q, k, v chunks), heads, scale, then proj. */
export function attention64(
  x: ArrayLike<number>, b: number, n: number, dim: number, heads: number, scale: number,
  p: { qkvW: ArrayLike<number>; qkvB: ArrayLike<number> | null; projW: ArrayLike<number>; projB: ArrayLike<number> | null },
): Float64Array {
  const qkv = linear64(x, dim, p.qkvW, p.qkvB);
  const q = new Float64Array(b * n * dim);
  const k = new Float64Array(b * n * dim);
  const v = new Float64Array(b * n * dim);
  for (let r = 0; r < b * n; r++)
    for (let c = 0; c < dim; c++) {
      q[r * dim + c] = qkv[r * 3 * dim + c];
      k[r * dim + c] = qkv[r * 3 * dim + dim + c];
      v[r * dim + c] = qkv[r * 3 * dim + 2 * dim + c];
    }
  return linear64(attentionCore64(q, k, v, b, n, n, heads, dim, scale), dim, p.projW, p.projB);
}

/**
 * Gives every parameter of `module` deterministic random values (uniform ±scale; 1-D `weight`s — norm gains — get
 * 1 ± scale) and returns them by reference name in the PyTorch layout, ready for the float64 references.
 */
export function randomizeParameters(module: Module, seed: number, scale = 0.5): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  module.namedParameters().forEach(([name, p], i) => {
    const values = seededValues(p.size, seed * 1000 + i, scale);
    if (p.shape.length === 1 && /(^|\.)weight$/.test(name)) for (let j = 0; j < values.length; j++) values[j] += 1;
    const t = tf.tensor(values.slice(), p.torchShape); // a copy: the cpu backend keeps the array as storage
    p.assignFromTorch(t);
    t.dispose();
    out.set(name, values);
  });
  return out;
}
