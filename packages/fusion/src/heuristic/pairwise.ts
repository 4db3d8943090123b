import { Fusion, Layer, ModuleList, resizeBicubic, s, SpecError, tf } from '@vitkit/core';
import type { ComponentDefinition } from '@vitkit/core';
import { checkBranchArrays, checkBranches, FUSION_EXAMPLE, tokens } from '../common';
import { heuristicShape, commonDim } from './heuristic-options';
import type { HeuristicFusionOptions } from './heuristic-options';
import { projections } from './projections';

function squareGrid(n: number): number | undefined {
  const g = Math.round(Math.sqrt(n));
  return g * g === n ? g : undefined;
}

/**
 * Pairwise fusion (Eq. 4): CLS tokens fused as in class-token fusion; patch tokens fused by spatial position:
 * for branch i, `P_i = Σ_j resize(f_j(patches_j), grid_i)` and `z_i = [g_i(Σ_j f_j(CLS_j)) ‖ g_i(P_i)]`.
 * The alignment interpolates each `f_j(patches_j)` (reshaped to its square grid) to branch i's grid with
 * PyTorch-identical bicubic (align_corners=False), the interpolation the paper uses for position embeddings.
 * Depth must be 0 or 1.
 */
export class PairwiseFusion extends Fusion {
  readonly projs: ModuleList<Layer>;
  readonly revert_projs: ModuleList<Layer>;
  readonly dims: number[];
  readonly dim: number;
  readonly grids: number[];

  constructor(o: HeuristicFusionOptions, path = 'fusion') {
    super();
    checkBranchArrays(o, path);
    if (o.depth > 1) throw new SpecError([{ path: `${path}.depth`, message: `${o.depth} is not supported: pairwise fusion is a sum with nothing to stack; use 0 or 1` }]);
    if (!o.numPatches) {
      throw new SpecError([{ path: `${path}.numPatches`, message: 'is required (patch tokens per branch, to align the grids); the dual-branch backbone passes it' }]);
    }
    this.grids = o.numPatches.map((n, i) => {
      const g = squareGrid(n);
      if (g === undefined) throw new SpecError([{ path: `${path}.numPatches[${i}]`, message: `${n} patch tokens do not form a square grid; pairwise fusion aligns square grids` }]);
      return g;
    });
    this.dims = o.dims;
    this.dim = commonDim(o);
    const { projs, reverts } = projections(o, this.dim);
    this.projs = this.addModule('projs', new ModuleList(projs));
    this.revert_projs = this.addModule('revert_projs', new ModuleList(reverts));
  }

  forward(branches: tf.Tensor3D[]): tf.Tensor3D[] {
    checkBranches('pairwise', branches, this.dims);
    branches.forEach((x, i) => {
      if (x.shape[1] !== this.grids[i] ** 2 + 1) {
        throw new Error(`pairwise fusion: branch ${i} has ${x.shape[1]} tokens, expected 1 + ${this.grids[i]}² for its ${this.grids[i]}×${this.grids[i]} grid`);
      }
    });
    return tf.tidy(() => {
      const b = branches[0].shape[0];
      const d = this.dim;
      const projected = branches.map((x, i) => this.projs.at(i).forward(x) as tf.Tensor3D);
      const cls = tf.addN(projected.map((p) => tokens(p, 0, 1)));
      const grids = projected.map((p, j) => tf.reshape(tokens(p, 1), [b, this.grids[j], this.grids[j], d]) as tf.Tensor4D);
      return branches.map((_, i) => {
        const gi = this.grids[i];
        const aligned = grids.map((g, j) => (this.grids[j] === gi ? g : resizeBicubic(g, [gi, gi])));
        const patches = tf.reshape(tf.addN(aligned), [b, gi * gi, d]);
        return this.revert_projs.at(i).forward(tf.concat([cls, patches], 1)) as tf.Tensor3D;
      });
    });
  }
}

export const pairwiseFusion: ComponentDefinition<HeuristicFusionOptions, PairwiseFusion> = {
  kind: 'fusion',
  name: 'pairwise',
  owner: '@vitkit/fusion',
  description: 'CrossViT paper Eq. 4: CLS tokens summed, patch tokens summed position-wise after bicubic grid alignment',
  options: s.object(heuristicShape(true)),
  example: FUSION_EXAMPLE,
  create: (o, ctx) => new PairwiseFusion(o, ctx.path),
};
