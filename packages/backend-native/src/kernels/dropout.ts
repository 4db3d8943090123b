// Dropout and its gradient (the contract of @vitkit/core's DROPOUT_KERNEL and DROPOUT_GRAD_KERNEL): the mask is drawn
// from the same seedrandom Alea stream tf.dropout draws, seeded from String(seed), so it is tf.dropout's bit for bit,
// and kept for the gradient as bits, 32 to an int32 (src/addon/dropout.c).
import * as tf from '@tensorflow/tfjs';
import * as seedrandom from 'seedrandom';
import { asNative } from '../backend';

// Kernel names shared with @vitkit/core (ops/fused.ts).
export const DROPOUT = 'VitkitDropout';
export const DROPOUT_GRAD = 'VitkitDropoutGrad';

/** Attributes of both kernels. */
export interface DropoutAttrs {
  /** Probability of zeroing an element, in [0, 1). */
  rate: number;
  /** tf.dropout's seed: the mask is tf.dropout(x, rate, undefined, seed)'s (forward kernel only). */
  seed: number;
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type AleaState = { c: number; s0: number; s1: number; s2: number };

/** seedrandom's Alea state for `seed`, as tfjs's UniformRandom seeds it (a number goes through toString()). */
function aleaState(seed: number): Float64Array {
  const s = seedrandom.alea(String(seed), { state: true }).state() as unknown as AleaState;
  return Float64Array.from([s.c, s.s0, s.s1, s.s2]);
}

/** float32 1 − rate, below 1 (so the mask is one bit); throws naming the kernel otherwise. */
function keepOf(kernel: string, rate: number): number {
  if (!(rate >= 0 && rate < 1)) throw new Error(`${kernel}: rate must be in [0, 1), got ${rate}`);
  if (Math.fround(1 - rate) === 1) throw new Error(`${kernel}: rate ${rate} rounds keep = 1 − rate to 1 in float32 (core's dropout runs tf.dropout then)`);
  return 1 - rate;
}

/** Outputs y and the mask, ⌈size/32⌉ int32 words (bit i: element i kept). */
function dropout(args: Args): tf.TensorInfo[] {
  const backend = asNative(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { rate, seed } = args.attrs as unknown as DropoutAttrs;
  if (x.dtype !== 'float32') throw new Error(`${DROPOUT}: x must be float32, got ${x.dtype}`);
  const keep = keepOf(DROPOUT, rate);
  if (!Number.isFinite(seed)) throw new Error(`${DROPOUT}: seed must be a finite number, got ${seed}`);
  const y = backend.output([...x.shape]);
  const bits = new Int32Array(Math.ceil(y.values.length / 32));
  if (y.values.length) backend.addon.dropout(backend.f32(x), y.values, aleaState(seed), keep, bits);
  return [y.info, backend.makeTensorInfo([bits.length], 'int32', bits)];
}

/** dx = dy · mask / keep. */
function dropoutGrad(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { dy, mask } = args.inputs as { dy: tf.TensorInfo; mask: tf.TensorInfo };
  const { rate } = args.attrs as unknown as DropoutAttrs;
  const keep = keepOf(DROPOUT_GRAD, rate);
  const size = dy.shape.reduce((a, b) => a * b, 1);
  if (dy.dtype !== 'float32' || mask.dtype !== 'int32' || mask.shape.length !== 1 || mask.shape[0] !== Math.ceil(size / 32)) {
    throw new Error(`${DROPOUT_GRAD}: dy must be float32 and mask the int32 [${Math.ceil(size / 32)}] of ${DROPOUT}, got ${dy.dtype} [${dy.shape}] and ${mask.dtype} [${mask.shape}]`);
  }
  const out = backend.output([...dy.shape]);
  if (size) backend.addon.dropoutGrad(backend.f32(dy), backend.data.get(mask.dataId).values as Int32Array, out.values, keep);
  return out.info;
}

export const dropoutConfigs = [
  { kernelName: DROPOUT, kernelFunc: dropout as unknown as tf.KernelFunc },
  { kernelName: DROPOUT_GRAD, kernelFunc: dropoutGrad as unknown as tf.KernelFunc },
];
