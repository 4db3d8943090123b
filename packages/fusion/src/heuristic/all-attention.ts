import { Fusion, Layer, ModuleList, s, Sequential, SpecError, tf } from '@vitkit/core';
import type { ComponentDefinition } from '@vitkit/core';
import { checkBranchArrays, checkBranches, FUSION_EXAMPLE } from '../common';
import { allAttentionShape, commonDim } from './heuristic-options';
import type { AllAttentionOptions } from './heuristic-options';
import { projections } from './projections';
import { SelfAttentionLayer } from './self-attention-layer';

/**
 * All-attention fusion (Eq. 2): `y = [f_1(x_1) ‖ … ‖ f_n(x_n)]` (all tokens of all branches, width D),
 * `o = y + MSA(LN(y))`, `z_i = g_i(o_i)`. Quadratic in the total token count. Depth L ≥ 1 stacks L
 * self-attention layers (`fusion.{l}`); depth 0 is one layer stored as `fusion`.
 */
export class AllAttentionFusion extends Fusion {
  readonly projs: ModuleList<Layer>;
  readonly fusion: Layer;
  readonly revert_projs: ModuleList<Layer>;
  readonly dims: number[];
  readonly dim: number;

  constructor(o: AllAttentionOptions, path = 'fusion') {
    super();
    checkBranchArrays(o, path);
    this.dims = o.dims;
    this.dim = commonDim(o);
    let heads = o.heads;
    if (heads === undefined) {
      const idx = o.dims.indexOf(this.dim);
      if (idx < 0) {
        throw new SpecError([{ path: `${path}.heads`, message: `is required when dim (${this.dim}) is not the width of a branch (${o.dims.join(', ')})` }]);
      }
      heads = o.numHeads[idx];
    }
    if (this.dim % heads !== 0) {
      throw new SpecError([{ path: `${path}.heads`, message: `${heads} does not divide the fusion width ${this.dim}` }]);
    }
    const { projs, reverts } = projections(o, this.dim);
    this.projs = this.addModule('projs', new ModuleList(projs));
    const make = () =>
      new SelfAttentionLayer(this.dim, { numHeads: heads!, qkvBias: o.qkvBias, qkScale: o.qkScale, attnDrop: o.attnDrop, drop: o.drop, normEps: o.normEps, dropPath: o.dropPath });
    this.fusion = this.addModule('fusion', o.depth === 0 ? make() : new Sequential(Array.from({ length: o.depth }, make)));
    this.revert_projs = this.addModule('revert_projs', new ModuleList(reverts));
  }

  forward(branches: tf.Tensor3D[]): tf.Tensor3D[] {
    checkBranches('all-attention', branches, this.dims);
    return tf.tidy(() => {
      const lens = branches.map((b) => b.shape[1]);
      const y = tf.concat(branches.map((x, i) => this.projs.at(i).forward(x)), 1);
      const o = this.fusion.forward(y);
      const parts = tf.split(o, lens, 1);
      return parts.map((p, i) => this.revert_projs.at(i).forward(p) as tf.Tensor3D);
    });
  }
}

export const allAttentionFusion: ComponentDefinition<AllAttentionOptions, AllAttentionFusion> = {
  kind: 'fusion',
  name: 'all-attention',
  owner: '@vitkit/fusion',
  description: 'CrossViT paper Eq. 2: self-attention over the tokens of all branches projected to a common width',
  options: s.object(allAttentionShape),
  example: FUSION_EXAMPLE,
  create: (o, ctx) => new AllAttentionFusion(o, ctx.path),
};
