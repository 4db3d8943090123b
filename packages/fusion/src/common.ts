import { GELU, Identity, init, Layer, LayerNorm, Linear, Module, s, Sequential, SpecError, tf } from '@vitkit/core';
import type { InferShape } from '@vitkit/core';

/**
 * Options every fusion accepts. The dual-branch backbone fills `dims`, `numHeads`, `numPatches`, `depth`,
 * `qkvBias`, `qkScale`, `normEps`, `drop`, `attnDrop` and `dropPath` through the inherited-options argument of
 * `ctx.build`; a value written in the fusion spec wins over the inherited one.
 */
export const commonFusionShape = {
  /** Token width of each branch. */
  dims: s.array(s.int({ min: 1 }), { minLength: 2 }),
  /** Attention heads of each branch. */
  numHeads: s.array(s.int({ min: 1 }), { minLength: 2 }),
  /** Patch tokens (CLS excluded) of each branch; needed by `pairwise` to align the grids. */
  numPatches: s.optional(s.array(s.int({ min: 1 }), { minLength: 2 })),
  /**
   * Fusion depth as in the official code's `depth[k][-1]`: 0 = one fusion layer stored un-nested
   * (`fusion.{i}.*`), L ≥ 1 = L layers stored as a Sequential (`fusion.{i}.{l}.*`).
   */
  depth: s.default(s.int({ min: 0 }), 0),
  qkvBias: s.default(s.boolean(), true),
  qkScale: s.optional(s.number({ gt: 0 })),
  /** LayerNorm epsilon of f, g and the fusion norms (CrossViT: 1e-6). */
  normEps: s.default(s.number({ gt: 0 }), 1e-6),
  drop: s.default(s.number({ min: 0, max: 0.999 }), 0),
  attnDrop: s.default(s.number({ min: 0, max: 0.999 }), 0),
  dropPath: s.default(s.number({ min: 0, max: 0.999 }), 0),
};

/** A tiny two-branch option set for the registry contract tests (widths 8 and 16, 2×2 and 1×1 patch grids). */
export const FUSION_EXAMPLE = { dims: [8, 16], numHeads: [2, 2], numPatches: [4, 1] };

export type CommonFusionOptions = InferShape<typeof commonFusionShape>;

/** CrossViT initialisation of every Linear (timm `_init_weights`): trunc-normal(0.02) weights, zero biases. */
export const linearInit = { weightInit: init.truncNormal(0.02), biasInit: init.zeros };

/**
 * The paper's f / g: `LN(in) → GELU → Linear(in → out)` stored as a Sequential (`.0` = LN, `.2` = Linear),
 * exactly the official `projs` / `revert_projs`. With `identity` (only allowed when in = out) it is an Identity.
 */
export function projection(inDim: number, outDim: number, eps: number, identity = false): Layer {
  if (identity) {
    if (inDim !== outDim) throw new Error(`projection: identity needs equal widths, got ${inDim} → ${outDim}`);
    return new Identity();
  }
  return new Sequential([new LayerNorm(inDim, eps), new GELU(), new Linear(inDim, outDim, linearInit)]);
}

/** A module whose children are exactly the given modules under the given names (a keyed ModuleList). */
export class NamedModules<M extends Module> extends Module {
  constructor(entries: Array<[string, M]>) {
    super();
    for (const [n, m] of entries) this.addModule(n, m);
  }
}

/** Checks the per-branch arrays of a fusion's options agree; throws a SpecError naming the option. */
export function checkBranchArrays(o: CommonFusionOptions, path: string): number {
  const n = o.dims.length;
  const issues: Array<{ path: string; message: string }> = [];
  if (o.numHeads.length !== n) {
    issues.push({ path: `${path}.numHeads`, message: `has ${o.numHeads.length} entries but dims has ${n}; give one per branch` });
  }
  if (o.numPatches && o.numPatches.length !== n) {
    issues.push({ path: `${path}.numPatches`, message: `has ${o.numPatches.length} entries but dims has ${n}; give one per branch` });
  }
  if (issues.length) throw new SpecError(issues);
  return n;
}

/** `x[:, start:start+len]` for `[B, N, C]` (tf.slice, which has a gradient, unlike stridedSlice). */
export function tokens(x: tf.Tensor3D, start: number, len = -1): tf.Tensor3D {
  return tf.slice(x, [0, start, 0], [-1, len, -1]);
}

/** Runtime check of what a fusion receives. */
export function checkBranches(name: string, branches: tf.Tensor3D[], dims: number[]): void {
  if (branches.length !== dims.length) {
    throw new Error(`${name} fusion: built for ${dims.length} branches, got ${branches.length}`);
  }
  branches.forEach((b, i) => {
    if (b.rank !== 3 || b.shape[2] !== dims[i]) {
      throw new Error(`${name} fusion: branch ${i} must be [B, N, ${dims[i]}], got [${b.shape}]`);
    }
  });
}
