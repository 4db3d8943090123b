// Multi-head self-attention from a fused qkv projection, forward and gradient (the contract of @vitkit/core's
// MHA_KERNEL and MHA_GRAD_KERNEL, which core's Attention runs when the active backend registers them). The heads are
// read in place from qkv's columns and written in place into the output's (src/addon/attention.c), so the split,
// head transposes and merge that tfjs would run as copies never happen.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';

// Kernel names shared with @vitkit/core (ops/fused.ts).
export const MHA = 'VitkitMultiHeadAttention';
export const MHA_GRAD = 'VitkitMultiHeadAttentionGrad';

/** Attributes of both kernels. */
export interface MultiHeadAttentionAttrs {
  heads: number;
  /** Multiplies q·kᵀ before the softmax (usually headDim^-½). */
  scale: number;
  /** false: no gradient will be taken, so the probabilities output is empty (never materialised). Default true. */
  probs?: boolean;
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** [batch, tokens, heads, headDim] of a `[B, N, 3·heads·d]` qkv; throws naming the kernel and the input otherwise. */
function geometry(kernel: string, qkv: tf.TensorInfo, heads: number): [number, number, number, number] {
  if (!Number.isInteger(heads) || heads < 1) throw new Error(`${kernel}: heads must be a positive integer, got ${heads}`);
  if (qkv.dtype !== 'float32') throw new Error(`${kernel}: qkv must be float32, got ${qkv.dtype}`);
  const [b, n, width] = qkv.shape;
  if (qkv.shape.length !== 3 || width % (3 * heads) !== 0) {
    throw new Error(`${kernel}: qkv must be [batch, tokens, 3·heads·headDim] with ${heads} heads, got [${qkv.shape}]`);
  }
  return [b, n, heads, width / (3 * heads)];
}

function checkShape(kernel: string, name: string, t: tf.TensorInfo, want: number[]): void {
  if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32, got ${t.dtype}`);
  if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) throw new Error(`${kernel}: ${name} must be [${want}], got [${t.shape}]`);
}

const nonEmpty = (shape: number[]) => shape.every((d) => d > 0);

/** Input qkv; outputs out [B, N, heads·d] and probs [B, heads, N, N] (empty, [0], with the attr probs false). */
function multiHeadAttention(args: Args): tf.TensorInfo[] {
  const backend = asNative(args.backend);
  const { qkv } = args.inputs as { qkv: tf.TensorInfo };
  const { heads, scale, probs: keepProbs = true } = args.attrs as unknown as MultiHeadAttentionAttrs;
  const [b, n, h, d] = geometry(MHA, qkv, heads);
  const out = backend.output([b, n, h * d]);
  const probs = backend.output(keepProbs ? [b, h, n, n] : [0]);
  if (nonEmpty(qkv.shape)) backend.addon.mhaForward(backend.f32(qkv), out.values, probs.values, b, n, h, d, scale);
  return [out.info, probs.info];
}

/** Inputs dy (out's shape), qkv, probs; output dqkv (qkv's shape). */
function multiHeadAttentionGrad(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { dy, qkv, probs } = args.inputs as Record<'dy' | 'qkv' | 'probs', tf.TensorInfo>;
  const { heads, scale } = args.attrs as unknown as MultiHeadAttentionAttrs;
  const [b, n, h, d] = geometry(MHA_GRAD, qkv, heads);
  checkShape(MHA_GRAD, 'dy', dy, [b, n, h * d]);
  checkShape(MHA_GRAD, 'probs', probs, [b, h, n, n]);
  const dqkv = backend.output([...qkv.shape]);
  if (nonEmpty(qkv.shape)) backend.addon.mhaBackward(backend.f32(dy), backend.f32(qkv), backend.f32(probs), dqkv.values, b, n, h, d, scale);
  return dqkv.info;
}

export const multiHeadAttentionConfigs = [
  { kernelName: MHA, kernelFunc: multiHeadAttention as unknown as tf.KernelFunc },
  { kernelName: MHA_GRAD, kernelFunc: multiHeadAttentionGrad as unknown as tf.KernelFunc },
];
