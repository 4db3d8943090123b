import { tf, Module } from '@vitkit/core';
import type { HostTensor } from '@vitkit/core';
import { variableFrom } from './optimizer';

/**
 * Exponential moving average of a model's weights (timm `ModelEmaV2`): after each step
 * ema ← decay·ema + (1−decay)·w for every parameter; buffers (BN statistics) are copied.
 * Kept in the model's own layout, keyed by parameter name.
 */
export class WeightEma {
  readonly shadow = new Map<string, tf.Variable>();

  constructor(readonly model: Module, readonly decay: number) {
    if (!(decay > 0 && decay < 1)) throw new RangeError(`ema: decay must be in (0, 1), got ${decay}`);
    for (const [name, t] of this.sources()) this.shadow.set(name, variableFrom(t.clone()));
  }

  private sources(): Array<[string, tf.Variable]> {
    return [
      ...this.model.namedParameters().map(([n, p]) => [n, p.variable] as [string, tf.Variable]),
      ...this.model.namedBuffers().map(([n, b]) => [`buffer:${n}`, b] as [string, tf.Variable]),
    ];
  }

  update(): void {
    for (const [name, v] of this.sources()) {
      const s = this.shadow.get(name)!;
      tf.tidy(() => s.assign(name.startsWith('buffer:') ? v : tf.add(tf.mul(s, this.decay), tf.mul(v, 1 - this.decay))));
    }
  }

  /** Runs `fn` with the EMA weights swapped into the model, then restores the live weights. */
  async withWeights<T>(fn: () => Promise<T> | T): Promise<T> {
    const saved = new Map<string, tf.Tensor>();
    for (const [name, v] of this.sources()) {
      saved.set(name, v.clone());
      v.assign(this.shadow.get(name)!);
    }
    try {
      return await fn();
    } finally {
      for (const [name, v] of this.sources()) {
        const t = saved.get(name)!;
        v.assign(t);
        t.dispose();
      }
    }
  }

  getState(): Map<string, HostTensor> {
    const out = new Map<string, HostTensor>();
    for (const [n, v] of this.shadow) out.set(n, { shape: v.shape, data: v.dataSync() as Float32Array, dtype: 'F32' });
    return out;
  }

  setState(state: Map<string, HostTensor>): void {
    for (const [n, v] of this.shadow) {
      const t = state.get(n);
      if (!t) throw new Error(`ema state: missing "${n}"`);
      tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
    }
  }

  dispose(): void {
    for (const v of this.shadow.values()) v.dispose();
    this.shadow.clear();
  }
}
