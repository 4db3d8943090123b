// The fused AdamW update (the contract of @vitkit/core's ADAMW_KERNEL, which @vitkit/trainer's AdamW runs when the
// active backend registers it; elsewhere it composes stock tfjs ops).
//
// Memory: the updated param, m and v go to fresh buffers from the backend's pool, never into the inputs' buffers.
// tfjs tensors are immutable and a variable's buffer may be shared (tf.variable(t) and tf.clone/identity share a dataId),
// so writing in place would change tensors the caller still holds; the caller assigns the outputs to its variables,
// and the old buffers return to the pool for the next step, so steady-state steps allocate nothing.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';

// Kernel name shared with @vitkit/core (ops/fused.ts).
export const ADAMW = 'VitkitAdamW';

/** Attributes of ADAMW: torch.optim.AdamW's hyper-parameters for this step; weightDecay 0 for parameters without decay. */
export interface AdamWAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** The update's number, from 1 (bias correction uses β^step). */
  step: number;
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Inputs param, grad, m, v (one shape, float32); outputs param', m', v'. */
function adamW(args: Args): tf.TensorInfo[] {
  const backend = asNative(args.backend);
  const inputs = args.inputs as Record<'param' | 'grad' | 'm' | 'v', tf.TensorInfo>;
  const { lr, beta1, beta2, eps, weightDecay, step } = args.attrs as unknown as AdamWAttrs;
  const shape = inputs.param.shape;
  for (const name of ['param', 'grad', 'm', 'v'] as const) {
    const t = inputs[name];
    if (t.dtype !== 'float32') throw new Error(`${ADAMW}: ${name} must be float32, got ${t.dtype}`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw new Error(`${ADAMW}: ${name} has shape [${t.shape}] but param has [${shape}]`);
  }
  if (!Number.isInteger(step) || step < 1) throw new Error(`${ADAMW}: step must be an integer ≥ 1, got ${step}`);
  const p = backend.output([...shape]);
  const m = backend.output([...shape]);
  const v = backend.output([...shape]);
  if (p.values.length) {
    const f = (t: tf.TensorInfo) => backend.f32(t);
    backend.addon.adamW(f(inputs.param), f(inputs.grad), f(inputs.m), f(inputs.v), p.values, m.values, v.values, lr, beta1, beta2, eps, weightDecay, step);
  }
  return [p.info, m.info, v.info];
}

export const adamWConfig = { kernelName: ADAMW, kernelFunc: adamW as unknown as tf.KernelFunc };
