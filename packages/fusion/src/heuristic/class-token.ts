import { Fusion, Layer, ModuleList, s, SpecError, tf } from '@vitkit/core';
import type { ComponentDefinition } from '@vitkit/core';
import { checkBranchArrays, checkBranches, FUSION_EXAMPLE, tokens } from '../common';
import { heuristicShape, commonDim } from './heuristic-options';
import type { HeuristicFusionOptions } from './heuristic-options';
import { projections } from './projections';

/**
 * Class-token fusion (Eq. 3): `z_i = [g_i(Σ_j f_j(CLS_j)) ‖ patches_i]`. Only the CLS tokens interact.
 * Depth must be 0 or 1 (a sum has nothing to stack).
 */
export class ClassTokenFusion extends Fusion {
  readonly projs: ModuleList<Layer>;
  readonly revert_projs: ModuleList<Layer>;
  readonly dims: number[];
  readonly dim: number;

  constructor(o: HeuristicFusionOptions, path = 'fusion') {
    super();
    checkBranchArrays(o, path);
    if (o.depth > 1) throw new SpecError([{ path: `${path}.depth`, message: `${o.depth} is not supported: class-token fusion is a sum with nothing to stack; use 0 or 1` }]);
    this.dims = o.dims;
    this.dim = commonDim(o);
    const { projs, reverts } = projections(o, this.dim);
    this.projs = this.addModule('projs', new ModuleList(projs));
    this.revert_projs = this.addModule('revert_projs', new ModuleList(reverts));
  }

  forward(branches: tf.Tensor3D[]): tf.Tensor3D[] {
    checkBranches('class-token', branches, this.dims);
    return tf.tidy(() => {
      const fused = tf.addN(branches.map((x, i) => this.projs.at(i).forward(tokens(x, 0, 1))));
      return branches.map((x, i) => tf.concat([this.revert_projs.at(i).forward(fused), tokens(x, 1)], 1) as tf.Tensor3D);
    });
  }
}

export const classTokenFusion: ComponentDefinition<HeuristicFusionOptions, ClassTokenFusion> = {
  kind: 'fusion',
  name: 'class-token',
  owner: '@vitkit/fusion',
  description: 'CrossViT paper Eq. 3: the projected CLS tokens of all branches are summed and projected back',
  options: s.object(heuristicShape(true)),
  example: FUSION_EXAMPLE,
  create: (o, ctx) => new ClassTokenFusion(o, ctx.path),
};
