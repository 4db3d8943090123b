import { tf } from '@vitkit/core';
import type { HostTensor } from '@vitkit/core';

/** A trainable tensor as the optimizer sees it: its reference name, variable and whether weight decay applies. */
export interface OptimParam {
  name: string;
  variable: tf.Variable;
  decay: boolean;
}

/**
 * A non-trainable variable holding `init`'s values; `init` is disposed. tf.variable shares the tensor's data but
 * leaves the tensor itself registered, so without the dispose every slot would leak one tensor after dispose().
 */
export function variableFrom(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init, false);
  init.dispose();
  return v;
}

/** Serialisable optimizer state: named slot tensors plus JSON scalars (step count, ...). */
export interface OptimizerState {
  tensors: Map<string, HostTensor>;
  scalars: Record<string, number>;
}

/**
 * An optimizer written on plain tf ops, with every piece of state owned here (so checkpoints capture it exactly).
 * `step` applies one update given gradients keyed by parameter name and the learning rate for this step.
 */
export abstract class Optimizer {
  /** Slot variables per slot name, then per parameter name (created lazily on the first step). */
  protected readonly slots = new Map<string, Map<string, tf.Variable>>();
  /** Number of updates applied. */
  stepCount = 0;

  constructor(readonly params: OptimParam[]) {
    const names = new Set<string>();
    for (const p of params) {
      if (names.has(p.name)) throw new Error(`optimizer: parameter "${p.name}" appears twice`);
      names.add(p.name);
    }
  }

  /** Applies one update. Gradients for names not in `params` are an error; missing gradients skip that parameter. */
  abstract step(grads: Map<string, tf.Tensor>, lr: number): void;

  protected slot(slotName: string, p: OptimParam): tf.Variable {
    let m = this.slots.get(slotName);
    if (!m) {
      m = new Map();
      this.slots.set(slotName, m);
    }
    let v = m.get(p.name);
    if (!v) {
      v = variableFrom(tf.zerosLike(p.variable));
      m.set(p.name, v);
    }
    return v;
  }

  protected hasSlot(slotName: string, p: OptimParam): boolean {
    return this.slots.get(slotName)?.has(p.name) ?? false;
  }

  protected checkGrads(grads: Map<string, tf.Tensor>): void {
    const known = new Set(this.params.map((p) => p.name));
    for (const k of grads.keys()) if (!known.has(k)) throw new Error(`optimizer: gradient for unknown parameter "${k}"`);
  }

  getState(): OptimizerState {
    const tensors = new Map<string, HostTensor>();
    for (const [slotName, m] of this.slots) {
      for (const [name, v] of m) tensors.set(`${slotName}.${name}`, { shape: v.shape, data: v.dataSync() as Float32Array, dtype: 'F32' });
    }
    return { tensors, scalars: { step: this.stepCount, ...this.extraScalars() } };
  }

  setState(state: OptimizerState): void {
    this.disposeSlots();
    this.stepCount = state.scalars.step ?? 0;
    this.loadExtraScalars(state.scalars);
    const byName = new Map(this.params.map((p) => [p.name, p]));
    for (const [key, t] of state.tensors) {
      const dot = key.indexOf('.');
      const slotName = key.slice(0, dot);
      const name = key.slice(dot + 1);
      const p = byName.get(name);
      if (!p) throw new Error(`optimizer state: "${key}" names a parameter the model does not have`);
      const same = t.shape.length === p.variable.shape.length && t.shape.every((d, i) => d === p.variable.shape[i]);
      if (!same) throw new Error(`optimizer state: "${key}" has shape [${t.shape}] but the parameter has [${p.variable.shape}]`);
      let m = this.slots.get(slotName);
      if (!m) {
        m = new Map();
        this.slots.set(slotName, m);
      }
      m.set(name, variableFrom(tf.tensor(t.data, t.shape)));
    }
  }

  protected extraScalars(): Record<string, number> {
    return {};
  }

  protected loadExtraScalars(_s: Record<string, number>): void {
    /* none by default */
  }

  private disposeSlots(): void {
    for (const m of this.slots.values()) for (const v of m.values()) v.dispose();
    this.slots.clear();
  }

  dispose(): void {
    this.disposeSlots();
  }
}
