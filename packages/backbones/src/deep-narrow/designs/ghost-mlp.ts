import { Dropout, GELU, Layer, Linear, tf } from '@vitkit/core';
import type { Initializer } from '@vitkit/core';
import { CheapOperation } from './cheap-operation';

/**
 * Ghost MLP (official `Mlp_ghost`): `fc1` Linear(C→C), GELU, then `ratio − 1` cheap operations
 * (`cheap_operation2`, `cheap_operation3`, ...) each followed by GELU, concatenated to `ratio·C`, `fc2` back to C.
 * The official code hard-codes two cheap operations (mlp_ratio 3); here `hidden = ratio·C` with an integer ratio.
 */
export class GhostMlp extends Layer {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly cheap: CheapOperation[] = [];
  private readonly act: GELU;
  private readonly drop: Dropout;

  constructor(readonly inFeatures: number, hiddenFeatures: number, o: { drop?: number; weightInit?: Initializer; biasInit?: Initializer } = {}) {
    super();
    const init = { weightInit: o.weightInit, biasInit: o.biasInit };
    const ratio = hiddenFeatures / inFeatures;
    if (!Number.isInteger(ratio) || ratio < 1) {
      throw new Error(`GhostMlp: hidden width ${hiddenFeatures} must be an integer multiple of ${inFeatures} (mlpRatio an integer)`);
    }
    this.fc1 = this.addModule('fc1', new Linear(inFeatures, inFeatures, init));
    this.act = this.addModule('act', new GELU());
    this.fc2 = this.addModule('fc2', new Linear(hiddenFeatures, inFeatures, init));
    this.drop = this.addModule('drop', new Dropout(o.drop ?? 0));
    for (let i = 2; i <= ratio; i++) this.cheap.push(this.addModule(`cheap_operation${i}`, new CheapOperation(inFeatures)));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const x1 = this.act.forward(this.fc1.forward(x));
      const parts = [x1, ...this.cheap.map((c) => this.act.forward(c.forward(x1)))];
      const h = this.drop.forward(parts.length > 1 ? tf.concat(parts, 2) : x1);
      return this.drop.forward(this.fc2.forward(h));
    });
  }
}
