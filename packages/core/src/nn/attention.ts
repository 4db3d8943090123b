import { tf } from '../tf';
import { fusedAttention } from '../ops/attention';
import { canFuseMultiHeadAttention, fusedMultiHeadAttention } from '../ops/multi-head-attention';
import { reportMacs } from '../ops/macs';
import { AttentionRecorder } from './attention-recorder';
import { Dropout } from './dropout';
import { Initializer } from './init';
import { Linear } from './linear';
import { Module } from './module';

/**
 * softmax(q·kᵀ·scale)·v on rank-4 `[B, H, N, d]` tensors (rank-4 keeps clear of tfjs's slow rank-5 transposes).
 * Returns `[B, H, Nq, d]`. `owner` is the attention module calling: while an AttentionRecorder records, the
 * probabilities are recomputed for it under the owner's path (never otherwise, so the usual path costs nothing).
 */
export function scaledDotProductAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, scale: number, dropout?: Dropout, owner?: Module): tf.Tensor4D {
  const [b, h, nq, d] = q.shape;
  const nk = k.shape[2];
  reportMacs('attention', b * h * nq * nk * d * 2);
  if (owner && AttentionRecorder.recording) {
    AttentionRecorder.report(owner, () => tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)) as tf.Tensor4D);
  }
  // Without dropout on the probabilities (p = 0 or eval mode) one fused op saves less on the tape.
  if (!dropout || dropout.p === 0 || !dropout.training) return fusedAttention(q, k, v, scale);
  return tf.tidy(() => {
    const attn = dropout.forward(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)));
    return tf.matMul(attn as tf.Tensor4D, v);
  });
}

/** `[B, N, H·d]` → `[B, H, N, d]`. */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [b, n, c] = x.shape;
  return tf.transpose(tf.reshape(x, [b, n, heads, c / heads]), [0, 2, 1, 3]);
}

/** `[B, H, N, d]` → `[B, N, H·d]`. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [b, h, n, d] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, n, h * d]);
}

/**
 * Multi-head self-attention of a fused qkv projection `[B, N, 3·C]` (timm's column order q | k | v) → `[B, N, C]`.
 * Where the engine has MHA_KERNEL and nothing needs the probabilities (no AttentionRecorder recording, no active
 * dropout on them), it is one kernel each way that reads the heads in place; otherwise the split into heads and
 * scaledDotProductAttention. Both give softmax(q·kᵀ·scale)·v with the heads merged in order.
 */
export function selfAttentionFromQkv(qkv: tf.Tensor, heads: number, scale: number, dropout?: Dropout, owner?: Module): tf.Tensor3D {
  const width = qkv.shape[qkv.rank - 1];
  if (qkv.rank !== 3 || width % (3 * heads) !== 0) {
    throw new Error(`selfAttentionFromQkv: qkv must be [batch, tokens, 3·heads·headDim] with ${heads} heads, got [${qkv.shape}]`);
  }
  const dropoutActive = dropout !== undefined && dropout.p > 0 && dropout.training;
  const recording = owner !== undefined && AttentionRecorder.recording;
  if (!dropoutActive && !recording && canFuseMultiHeadAttention(qkv)) {
    const [b, n] = qkv.shape;
    reportMacs('attention', b * heads * n * n * (width / (3 * heads)) * 2);
    return fusedMultiHeadAttention(qkv as tf.Tensor3D, heads, scale);
  }
  return tf.tidy(() => {
    const [q, k, v] = tf.split(qkv, 3, 2).map((t) => splitHeads(t, heads));
    return mergeHeads(scaledDotProductAttention(q, k, v, scale, dropout, owner));
  });
}

export interface AttentionOptions {
  numHeads: number;
  qkvBias?: boolean;
  /** Overrides the default `head_dim ** -0.5`. */
  qkScale?: number;
  attnDrop?: number;
  projDrop?: number;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

/** Multi-head self-attention with a fused `qkv` linear and a `proj` output linear (timm `Attention`). */
export class Attention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly numHeads: number;
  readonly scale: number;
  private readonly attnDrop: Dropout;
  private readonly projDrop: Dropout;

  constructor(readonly dim: number, options: AttentionOptions) {
    super();
    if (dim % options.numHeads !== 0) {
      throw new Error(`Attention: dim ${dim} is not divisible by numHeads ${options.numHeads}`);
    }
    this.numHeads = options.numHeads;
    this.scale = options.qkScale ?? (dim / options.numHeads) ** -0.5;
    const init = { weightInit: options.weightInit, biasInit: options.biasInit };
    this.qkv = this.addModule('qkv', new Linear(dim, dim * 3, { bias: options.qkvBias ?? false, ...init }));
    this.attnDrop = this.addModule('attn_drop', new Dropout(options.attnDrop ?? 0));
    this.proj = this.addModule('proj', new Linear(dim, dim, init));
    this.projDrop = this.addModule('proj_drop', new Dropout(options.projDrop ?? 0));
  }

  /** `x`: `[B, N, C]`. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const out = selfAttentionFromQkv(this.qkv.forward(x), this.numHeads, this.scale, this.attnDrop, this);
      return this.projDrop.forward(this.proj.forward(out));
    });
  }
}
