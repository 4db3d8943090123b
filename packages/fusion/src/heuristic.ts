import {
  Attention,
  ComponentDefinition,
  DropPath,
  Fusion,
  Layer,
  LayerNorm,
  ModuleList,
  resizeBicubic,
  s,
  Sequential,
  SpecError,
  tf,
} from '@vitkit/core';
import type { InferShape } from '@vitkit/core';
import { checkBranchArrays, checkBranches, FUSION_EXAMPLE, CommonFusionOptions, commonFusionShape, linearInit, projection, tokens } from './common';

/**
 * The paper's three heuristic fusions (CrossViT §3.3, Eq. 2–4), which no public code implements, plus `none`
 * (Table 6 row I). All map every branch i to a common width D with f_i and back with g_i, where
 * f, g = LN → GELU → Linear as in the official cross-attention (`projs`, `revert_projs`).
 */
const heuristicShape = (identityDefault: boolean) => ({
  ...commonFusionShape,
  /** Common width D of the fused tokens; default the widest branch. */
  dim: s.optional(s.int({ min: 1 })),
  /**
   * Identity f/g for a branch whose width already equals D. Defaults reproduce paper Table 6's parameter
   * counts on CrossViT-S: on for class-token and pairwise (24.2M), off for all-attention (27.7M).
   */
  identityWhenEqual: s.default(s.boolean(), identityDefault),
});
const allAttentionShape = {
  ...heuristicShape(false),
  /** Heads of the joint self-attention; default the heads of the branch whose width is D. */
  heads: s.optional(s.int({ min: 1 })),
};

export type HeuristicFusionOptions = InferShape<ReturnType<typeof heuristicShape>>;
export type AllAttentionOptions = InferShape<typeof allAttentionShape>;

function commonDim(o: HeuristicFusionOptions): number {
  return o.dim ?? Math.max(...o.dims);
}

function projections(o: HeuristicFusionOptions, d: number): { projs: Layer[]; reverts: Layer[] } {
  return {
    projs: o.dims.map((c) => projection(c, d, o.normEps, o.identityWhenEqual && c === d)),
    reverts: o.dims.map((c) => projection(d, c, o.normEps, o.identityWhenEqual && c === d)),
  };
}

/** `y + DropPath(MSA(LN(y)))`, the joint self-attention of all-attention fusion (no MLP, as in Eq. 2). */
export class SelfAttentionLayer extends Layer {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  private readonly dropPath: DropPath;

  constructor(dim: number, o: { numHeads: number; qkvBias: boolean; qkScale?: number; attnDrop: number; drop: number; normEps: number; dropPath: number }) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, o.normEps));
    this.attn = this.addModule(
      'attn',
      new Attention(dim, { numHeads: o.numHeads, qkvBias: o.qkvBias, qkScale: o.qkScale, attnDrop: o.attnDrop, projDrop: o.drop, ...linearInit }),
    );
    this.dropPath = this.addModule('drop_path', new DropPath(o.dropPath));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(x, this.dropPath.forward(this.attn.forward(this.norm1.forward(x)))));
  }
}

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

/** No fusion (Table 6 row I): the branches stay independent until the averaged heads. */
export class NoFusion extends Fusion {
  constructor(readonly dims: number[]) {
    super();
  }

  forward(branches: tf.Tensor3D[]): tf.Tensor3D[] {
    checkBranches('none', branches, this.dims);
    return branches;
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

export const classTokenFusion: ComponentDefinition<HeuristicFusionOptions, ClassTokenFusion> = {
  kind: 'fusion',
  name: 'class-token',
  owner: '@vitkit/fusion',
  description: 'CrossViT paper Eq. 3: the projected CLS tokens of all branches are summed and projected back',
  options: s.object(heuristicShape(true)),
  example: FUSION_EXAMPLE,
  create: (o, ctx) => new ClassTokenFusion(o, ctx.path),
};

export const pairwiseFusion: ComponentDefinition<HeuristicFusionOptions, PairwiseFusion> = {
  kind: 'fusion',
  name: 'pairwise',
  owner: '@vitkit/fusion',
  description: 'CrossViT paper Eq. 4: CLS tokens summed, patch tokens summed position-wise after bicubic grid alignment',
  options: s.object(heuristicShape(true)),
  example: FUSION_EXAMPLE,
  create: (o, ctx) => new PairwiseFusion(o, ctx.path),
};

export const noFusion: ComponentDefinition<CommonFusionOptions, NoFusion> = {
  kind: 'fusion',
  name: 'none',
  owner: '@vitkit/fusion',
  description: 'No fusion (paper Table 6 baseline): independent branches, logits averaged',
  options: s.object(commonFusionShape),
  example: FUSION_EXAMPLE,
  create: (o, ctx) => {
    checkBranchArrays(o, ctx.path);
    return new NoFusion(o.dims);
  },
};
