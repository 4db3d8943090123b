// Dropout and its gradient (the contract of @vitkit/core's DROPOUT_KERNEL and DROPOUT_GRAD_KERNEL): the mask is drawn
// from the Alea stream tf.dropout draws (seedrandom's), seeded from String(seed), so it is tf.dropout's bit for bit,
// and kept for the gradient as bits, 32 to an int32 (src/addon/dropout.c).
import * as tf from '@tensorflow/tfjs';
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
/**
 * The state [c, s0, s1, s2] of Baagøe's Alea generator seeded with `String(seed)`, as seedrandom's `alea` (which
 * tfjs's UniformRandom uses, a number seed through toString()) computes it: Mash hashes the seed string three times
 * against three hashes of ' '. Written out here (a dozen lines) rather than depending on seedrandom at run time; the
 * test checks it against seedrandom's own state.
 */
export function aleaState(seed: number): Float64Array {
  let n = 0xefc8249d;
  const mash = (data: string): number => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
  const s = [mash(' '), mash(' '), mash(' ')];
  const key = String(seed);
  for (let i = 0; i < 3; i++) {
    s[i] -= mash(key);
    if (s[i] < 0) s[i] += 1;
  }
  return Float64Array.from([1, s[0], s[1], s[2]]);
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
