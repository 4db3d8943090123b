import {
  ComponentDefinition,
  Dropout,
  DropPath,
  Fusion,
  Layer,
  LayerNorm,
  Linear,
  ModuleList,
  residualAdd,
  s,
  scaledDotProductAttention,
  Sequential,
  splitHeads,
  mergeHeads,
  tf,
} from '@vitkit/core';
import type { InferShape } from '@vitkit/core';
import { checkBranchArrays, checkBranches, FUSION_EXAMPLE, commonFusionShape, linearInit, projection, tokens } from './common';

export interface CrossAttentionOptions {
  numHeads: number;
  qkvBias?: boolean;
  qkScale?: number;
  attnDrop?: number;
  projDrop?: number;
}

/**
 * The official `CrossAttention`: the query is the first (CLS) token only, keys and values are all tokens
 * (the CLS itself included). Separate `wq`, `wk`, `wv` and an output `proj`; scale `(C/H) ** -0.5` on the logits.
 * Input `[B, N, C]`, output `[B, 1, C]`.
 */
export class CrossAttention extends Layer {
  readonly wq: Linear;
  readonly wk: Linear;
  readonly wv: Linear;
  readonly proj: Linear;
  readonly scale: number;
  private readonly attnDrop: Dropout;
  private readonly projDrop: Dropout;

  constructor(readonly dim: number, readonly options: CrossAttentionOptions) {
    super();
    if (dim % options.numHeads !== 0) throw new Error(`CrossAttention: dim ${dim} is not divisible by numHeads ${options.numHeads}`);
    this.scale = options.qkScale ?? (dim / options.numHeads) ** -0.5;
    const bias = options.qkvBias ?? true;
    this.wq = this.addModule('wq', new Linear(dim, dim, { bias, ...linearInit }));
    this.wk = this.addModule('wk', new Linear(dim, dim, { bias, ...linearInit }));
    this.wv = this.addModule('wv', new Linear(dim, dim, { bias, ...linearInit }));
    this.attnDrop = this.addModule('attn_drop', new Dropout(options.attnDrop ?? 0));
    this.proj = this.addModule('proj', new Linear(dim, dim, linearInit));
    this.projDrop = this.addModule('proj_drop', new Dropout(options.projDrop ?? 0));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = this.options.numHeads;
      const q = splitHeads(this.wq.forward(tokens(x as tf.Tensor3D, 0, 1)), h);
      const k = splitHeads(this.wk.forward(x), h);
      const v = splitHeads(this.wv.forward(x), h);
      const a = mergeHeads(scaledDotProductAttention(q, k, v, this.scale, this.attnDrop, this));
      return this.projDrop.forward(this.proj.forward(a));
    });
  }
}

/**
 * The official `CrossAttentionBlock` with `has_mlp=False` (the only setting the code uses):
 * `x[:, :1] + DropPath(CrossAttention(LN(x)))`. Returns the CLS token only, `[B, 1, C]`.
 */
export class CrossAttentionBlock extends Layer {
  readonly norm1: LayerNorm;
  readonly attn: CrossAttention;
  private readonly dropPath: DropPath;

  constructor(readonly dim: number, options: CrossAttentionOptions & { normEps: number; dropPath?: number }) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, options.normEps));
    this.attn = this.addModule('attn', new CrossAttention(dim, options));
    this.dropPath = this.addModule('drop_path', new DropPath(options.dropPath ?? 0));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => residualAdd(tokens(x as tf.Tensor3D, 0, 1), this.dropPath.forward(this.attn.forward(this.norm1.forward(x)))));
  }
}

const crossAttentionShape = {
  ...commonFusionShape,
  /** Use Identity for f/g when two branches have the same width (off in the official code: `... and False`). */
  identityWhenEqual: s.default(s.boolean(), false),
};
export type CrossAttentionFusionOptions = InferShape<typeof crossAttentionShape>;

/**
 * CrossViT's cross-attention fusion, exactly the official `MultiScaleBlock` fusion part (paper Eq. 5–7).
 * Branch i (with j = (i + 1) mod n, as in the official code):
 *   z = [f_i(CLS_i) ; patches_j]  →  c = CrossAttentionBlock_i(z)  (width C_j, heads of branch j)
 *   out_i = [g_i(c) ; patches_i]
 * Children `projs` (f), `fusion`, `revert_projs` (g) carry the official names.
 */
export class CrossAttentionFusion extends Fusion {
  readonly projs: ModuleList<Layer>;
  readonly fusion: ModuleList<Layer>;
  readonly revert_projs: ModuleList<Layer>;
  readonly dims: number[];

  constructor(o: CrossAttentionFusionOptions, path = 'fusion') {
    super();
    const n = checkBranchArrays(o, path);
    this.dims = o.dims;
    const other = (i: number) => (i + 1) % n;
    const same = (i: number) => o.identityWhenEqual && o.dims[i] === o.dims[other(i)];
    this.projs = this.addModule('projs', new ModuleList(o.dims.map((d, i) => projection(d, o.dims[other(i)], o.normEps, same(i)))));
    this.fusion = this.addModule(
      'fusion',
      new ModuleList(
        o.dims.map((_, i) => {
          const j = other(i);
          const make = () =>
            new CrossAttentionBlock(o.dims[j], {
              numHeads: o.numHeads[j],
              qkvBias: o.qkvBias,
              qkScale: o.qkScale,
              attnDrop: o.attnDrop,
              projDrop: o.drop,
              normEps: o.normEps,
              dropPath: o.dropPath,
            });
          return o.depth === 0 ? make() : new Sequential(Array.from({ length: o.depth }, make));
        }),
      ),
    );
    this.revert_projs = this.addModule('revert_projs', new ModuleList(o.dims.map((d, i) => projection(o.dims[other(i)], d, o.normEps, same(i)))));
  }

  forward(branches: tf.Tensor3D[]): tf.Tensor3D[] {
    checkBranches('cross-attention', branches, this.dims);
    return tf.tidy(() => {
      const n = branches.length;
      const projCls = branches.map((x, i) => this.projs.at(i).forward(tokens(x, 0, 1)));
      return branches.map((x, i) => {
        const j = (i + 1) % n;
        const z = tf.concat([projCls[i], tokens(branches[j], 1)], 1);
        const c = this.fusion.at(i).forward(z);
        return tf.concat([this.revert_projs.at(i).forward(c), tokens(x, 1)], 1) as tf.Tensor3D;
      });
    });
  }
}

export const crossAttentionFusion: ComponentDefinition<CrossAttentionFusionOptions, CrossAttentionFusion> = {
  kind: 'fusion',
  name: 'cross-attention',
  owner: '@vitkit/fusion',
  description: "CrossViT cross-attention (official module): each branch's projected CLS attends to the other branch's patch tokens",
  options: s.object(crossAttentionShape),
  example: FUSION_EXAMPLE,
  create: (o, ctx) => new CrossAttentionFusion(o, ctx.path),
};
