import { Dropout, GELU, Initializer, LayerNorm, Linear, Mlp, Module, Parameter, Sequential, init, nextSeed, reportMacs, residualAdd, scaledDotProductAttention, tf } from '@vitkit/core';
import { halfSquaredNorm, tokenSum } from './performer-ops';

/** T2T-ViT uses PyTorch's default LayerNorm epsilon everywhere (T2T layers included). */
export const T2T_NORM_EPS = 1e-5;

/** T2T-ViT's `_init_weights`: every Linear gets trunc_normal(std .02) weights and zero biases. */
export const T2T_LINEAR_INIT: { weightInit: Initializer; biasInit: Initializer } = { weightInit: init.truncNormal(0.02), biasInit: init.zeros };

/**
 * `nn.init.orthogonal_(torch.randn(m, d)) * sqrt(m)` for `m ≤ d`: `m` orthonormal rows (Gram–Schmidt in float64
 * on Gaussian rows), scaled by √m. Only the distribution matches PyTorch; with loaded weights `w` is read from
 * the checkpoint and never regenerated.
 */
export function orthogonalRandomFeatures(m: number, d: number): tf.Tensor2D {
  const raw = tf.tidy(() => tf.randomNormal([m, d], 0, 1, 'float32', nextSeed()).dataSync() as Float32Array);
  const rows: Float64Array[] = [];
  const rank = Math.min(m, d);
  for (let i = 0; i < m; i++) {
    const v = Float64Array.from(raw.subarray(i * d, (i + 1) * d));
    if (i < rank) {
      for (let pass = 0; pass < 2; pass++) {
        for (const u of rows) {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += v[j] * u[j];
          for (let j = 0; j < d; j++) v[j] -= dot * u[j];
        }
      }
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += v[j] * v[j];
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < d; j++) v[j] /= norm;
    rows.push(v);
  }
  const out = new Float32Array(m * d);
  const scale = Math.sqrt(m);
  rows.forEach((r, i) => r.forEach((x, j) => (out[i * d + j] = x * scale)));
  return tf.tensor2d(out, [m, d]);
}

export interface TokenPerformerOptions {
  /** `m = int(inDim · kernelRatio)` random features (official 0.5). */
  kernelRatio?: number;
  /** The two internal dropouts (`dp`, `mlp.3`), official 0.1; inactive in eval. */
  dropout?: number;
}

/**
 * The official `Token_performer` (single-head FAVOR+ with positive random features), state-dict names
 * `w`, `kqv`, `proj`, `norm1`, `norm2`, `mlp.0`, `mlp.2`:
 *
 * `k, q, v = split(kqv(LN1(x)))` (order k, q, v), `prm(z) = exp(z·wᵀ − ‖z‖²/2)/√m` (one exp, no temperature),
 * `D = qp·Σₜkp`, `y = qp·(vᵀkp)ᵀ / (D + 1e-8)`, `y = v + proj(y)`, `out = y + MLP(LN2(y))`.
 * `w` is a frozen parameter: loaded from checkpoints, never redrawn.
 */
export class TokenPerformer extends Module {
  readonly emb: number;
  readonly m: number;
  readonly epsilon = 1e-8;
  readonly w: Parameter;
  readonly kqv: Linear;
  readonly proj: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly mlp: Sequential;
  private readonly dp: Dropout;

  constructor(readonly dim: number, inDim: number, options: TokenPerformerOptions = {}) {
    super();
    const ratio = options.kernelRatio ?? 0.5;
    const drop = options.dropout ?? 0.1;
    this.emb = inDim;
    this.m = Math.floor(inDim * ratio);
    if (this.m < 1) throw new Error(`TokenPerformer: int(${inDim} · kernelRatio ${ratio}) = ${this.m} random features; need at least 1`);
    // Member order follows the PyTorch state dict: kqv, dp, proj, norm1, norm2, mlp are modules, w a parameter.
    this.w = this.addParameter('w', orthogonalRandomFeatures(this.m, this.emb), { trainable: false, decay: false });
    this.kqv = this.addModule('kqv', new Linear(dim, 3 * this.emb, T2T_LINEAR_INIT));
    this.dp = this.addModule('dp', new Dropout(drop));
    this.proj = this.addModule('proj', new Linear(this.emb, this.emb, T2T_LINEAR_INIT));
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, T2T_NORM_EPS));
    this.norm2 = this.addModule('norm2', new LayerNorm(this.emb, T2T_NORM_EPS));
    this.mlp = this.addModule(
      'mlp',
      new Sequential([new Linear(this.emb, this.emb, T2T_LINEAR_INIT), new GELU(), new Linear(this.emb, this.emb, T2T_LINEAR_INIT), new Dropout(drop)]),
    );
  }

  /** `exp(z·wᵀ − ‖z‖²/2) / √m` on `[B, T, E]` → `[B, T, m]`. */
  prmExp(z: tf.Tensor3D): tf.Tensor3D {
    const [b, t, e] = z.shape;
    reportMacs('matmul', b * t * e * this.m);
    return tf.tidy(() => {
      const xd = halfSquaredNorm(z);
      // 2-D matMul: the gradient of matMul(3-D, 2-D) is broken in tfjs.
      const wtx = tf.reshape(tf.matMul(tf.reshape(z, [b * t, e]), this.w.variable as tf.Tensor2D, false, true), [b, t, this.m]);
      return tf.div(tf.exp(tf.sub(wtx, xd)), Math.sqrt(this.m)) as tf.Tensor3D;
    });
  }

  singleAttn(x: tf.Tensor3D): tf.Tensor3D {
    const [b, t] = x.shape;
    const e = this.emb;
    const m = this.m;
    // D: (B,T,m)·(B,m); kptv: (B,E,T)·(B,T,m); y: (B,T,m)·(B,m,E) — the einsums PyTorch runs as bmm.
    reportMacs('matmul', b * t * m + b * e * t * m + b * t * m * e);
    return tf.tidy(() => {
      const [k, q, v] = tf.split(this.kqv.forward(x) as tf.Tensor3D, 3, 2) as tf.Tensor3D[];
      const kp = this.prmExp(k);
      const qp = this.prmExp(q);
      const kpSum = tf.reshape(tokenSum(kp), [b, m, 1]) as tf.Tensor3D;
      const d = tf.matMul(qp, kpSum); // [B, T, 1]
      const kptv = tf.matMul(v, kp, true, false); // [B, E, m]
      const y = tf.div(tf.matMul(qp, kptv, false, true), tf.add(d, this.epsilon)); // [B, T, E]
      return residualAdd(v, this.dp.forward(this.proj.forward(y))) as tf.Tensor3D;
    });
  }

  forward(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const y = this.singleAttn(this.norm1.forward(x) as tf.Tensor3D);
      return residualAdd(y, this.mlp.forward(this.norm2.forward(y))) as tf.Tensor3D;
    });
  }
}

/**
 * The attention of the official `Token_transformer`: one head, `qkv` Linear(dim → 3·inDim) without bias,
 * scale `(dim // numHeads)^-½` from the INPUT width, applied to q before `q·kᵀ`, and the residual on v:
 * `v + proj(softmax(q·scale·kᵀ)·v)`.
 */
export class TokenAttention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly scale: number;
  private readonly attnDrop: Dropout;
  private readonly projDrop: Dropout;

  constructor(readonly dim: number, readonly inDim: number, options: { numHeads?: number; qkvBias?: boolean; qkScale?: number; attnDrop?: number; projDrop?: number } = {}) {
    super();
    const heads = options.numHeads ?? 1;
    if (heads !== 1) throw new Error(`TokenAttention: the official Token_transformer only works with one head (got numHeads ${heads})`);
    this.scale = options.qkScale ?? Math.floor(dim / heads) ** -0.5;
    this.qkv = this.addModule('qkv', new Linear(dim, inDim * 3, { bias: options.qkvBias ?? false, ...T2T_LINEAR_INIT }));
    this.attnDrop = this.addModule('attn_drop', new Dropout(options.attnDrop ?? 0));
    this.proj = this.addModule('proj', new Linear(inDim, inDim, T2T_LINEAR_INIT));
    this.projDrop = this.addModule('proj_drop', new Dropout(options.projDrop ?? 0));
  }

  forward(x: tf.Tensor3D): tf.Tensor3D {
    const [b, n] = x.shape;
    const e = this.inDim;
    return tf.tidy(() => {
      const [q, k, v] = tf.split(this.qkv.forward(x) as tf.Tensor3D, 3, 2);
      const as4 = (t: tf.Tensor) => tf.reshape(t, [b, 1, n, e]) as tf.Tensor4D;
      // PyTorch scales q before the product; scaledDotProductAttention then multiplies by 1 (exact).
      const out = scaledDotProductAttention(as4(tf.mul(q, this.scale)), as4(k), as4(v), 1, this.attnDrop, this);
      const y = this.projDrop.forward(this.proj.forward(tf.reshape(out, [b, n, e])));
      return residualAdd(v, y) as tf.Tensor3D;
    });
  }
}

/** The official `Token_transformer`: `y = attn(LN1(x))` (residual on v inside), `out = y + MLP(LN2(y))`. */
export class TokenTransformer extends Module {
  readonly norm1: LayerNorm;
  readonly attn: TokenAttention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;

  constructor(readonly dim: number, readonly inDim: number, options: { numHeads?: number; mlpRatio?: number } = {}) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, T2T_NORM_EPS));
    this.attn = this.addModule('attn', new TokenAttention(dim, inDim, { numHeads: options.numHeads ?? 1 }));
    this.norm2 = this.addModule('norm2', new LayerNorm(inDim, T2T_NORM_EPS));
    this.mlp = this.addModule('mlp', new Mlp(inDim, { hiddenFeatures: Math.floor(inDim * (options.mlpRatio ?? 1)), outFeatures: inDim, ...T2T_LINEAR_INIT }));
  }

  forward(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const y = this.attn.forward(this.norm1.forward(x) as tf.Tensor3D);
      return residualAdd(y, this.mlp.forward(this.norm2.forward(y))) as tf.Tensor3D;
    });
  }
}
