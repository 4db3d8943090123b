import { tf, ADAMW_KERNEL } from '@vitkit/core';
import { Optimizer, OptimParam } from './optimizer';

export interface AdamWOptions {
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * AdamW exactly as `torch.optim.AdamW` (decoupled weight decay, bias-corrected moments):
 *   p ← p·(1 − lr·wd)            (only parameters with decay)
 *   m ← β1·m + (1−β1)·g ;  v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
 * Where the active backend registers @vitkit/core's ADAMW_KERNEL (the native engine does), each parameter's update is
 * that one fused kernel; elsewhere it is composed from tfjs ops in the same float32 order, so both agree to rounding.
 */
export class AdamW extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: OptimParam[], options: AdamWOptions = {}) {
    super(params);
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
  }

  step(grads: Map<string, tf.Tensor>, lr: number): void {
    this.checkGrads(grads);
    this.stepCount += 1;
    const t = this.stepCount;
    const bc1 = 1 - this.beta1 ** t;
    const bc2 = 1 - this.beta2 ** t;
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    const fused = tf.getKernel(ADAMW_KERNEL, tf.getBackend()) != null;
    for (const p of this.params) {
      const g = grads.get(p.name);
      if (!g) continue;
      const m = this.slot('exp_avg', p);
      const v = this.slot('exp_avg_sq', p);
      const weightDecay = p.decay ? this.weightDecay : 0;
      if (fused && p.variable.dtype === 'float32' && g.dtype === 'float32') {
        this.fusedUpdate(p.variable, g, m, v, lr, weightDecay, t);
        continue;
      }
      tf.tidy(() => {
        const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(mNew);
        v.assign(vNew);
        let w: tf.Tensor = p.variable;
        if (weightDecay !== 0) w = tf.mul(w, 1 - lr * weightDecay);
        const denom = tf.add(tf.div(tf.sqrt(vNew), sqrtBc2), this.eps);
        p.variable.assign(tf.sub(w, tf.mul(tf.div(mNew, denom), stepSize)));
      });
    }
  }

  /** One ADAMW_KERNEL call; its three new tensors become the variables' values (the old ones are released). */
  private fusedUpdate(param: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, lr: number, weightDecay: number, step: number): void {
    tf.tidy(() => {
      const attrs = { lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay, step };
      const [pNew, mNew, vNew] = tf.engine().runKernel(ADAMW_KERNEL, { param, grad: g, m, v }, attrs) as tf.Tensor[];
      param.assign(pNew);
      m.assign(mNew);
      v.assign(vNew);
    });
  }
}
