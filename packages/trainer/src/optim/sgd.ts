import { tf } from '@vitkit/core';
import { Optimizer, OptimParam } from './optimizer';

export interface SGDOptions {
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/**
 * SGD as `torch.optim.SGD` (coupled L2 weight decay on parameters with decay; momentum buffer initialised to the
 * first gradient; Nesterov: g ← g + μ·buf).
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: OptimParam[], options: SGDOptions = {}) {
    super(params);
    this.momentum = options.momentum ?? 0.9;
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? true;
    this.weightDecay = options.weightDecay ?? 0;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum requires momentum > 0 and dampening 0');
    }
  }

  step(grads: Map<string, tf.Tensor>, lr: number): void {
    this.checkGrads(grads);
    this.stepCount += 1;
    for (const p of this.params) {
      const g0 = grads.get(p.name);
      if (!g0) continue;
      tf.tidy(() => {
        let g: tf.Tensor = g0;
        if (p.decay && this.weightDecay !== 0) g = tf.add(g, tf.mul(p.variable, this.weightDecay));
        if (this.momentum !== 0) {
          const first = !this.hasSlot('momentum_buffer', p);
          const buf = this.slot('momentum_buffer', p);
          const bNew = first ? g : tf.add(tf.mul(buf, this.momentum), tf.mul(g, 1 - this.dampening));
          buf.assign(bNew);
          g = this.nesterov ? tf.add(g, tf.mul(bNew, this.momentum)) : bNew;
        }
        p.variable.assign(tf.sub(p.variable, tf.mul(g, lr)));
      });
    }
  }
}
