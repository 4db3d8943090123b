import {
  Block,
  BuildContext,
  Dropout,
  Fusion,
  Classifier,
  ImageModelConfig,
  init,
  LayerNorm,
  Module,
  ModuleList,
  ParameterList,
  resizeBicubic,
  s,
  Sequential,
  SpecError,
  SpecIssue,
  tf,
  Tokenizer,
} from '@vitkit/core';
import type { Head, SchemaType } from '@vitkit/core';

const ints = s.array(s.int({ min: 1 }), { minLength: 2 });

export const dualBranchOptions = s.object({
  /** Image side of each branch (square); a branch whose size differs from the input's gets a bicubic resize. */
  imgSize: s.array(s.int({ min: 1 }), { minLength: 2 }),
  /** Patch size of each branch, handed to the tokenizers (optional for tokenizers without one, e.g. t2t). */
  patchSize: s.optional(ints),
  inChans: s.default(s.int({ min: 1 }), 3),
  numClasses: s.default(s.int({ min: 0 }), 1000),
  embedDim: ints,
  /** One entry per multi-scale block: `[depth of branch 0, …, depth of branch n−1, fusion depth]`. */
  depth: s.array(s.array(s.int({ min: 0 })), { minLength: 1 }),
  numHeads: ints,
  mlpRatio: s.array(s.number({ gt: 0 }), { minLength: 2 }),
  qkvBias: s.default(s.boolean(), true),
  /** Attention scale of the fusion's cross-attention only (official `qk_scale`); branch blocks keep head_dim^-½. */
  qkScale: s.optional(s.number({ gt: 0 })),
  normEps: s.default(s.number({ gt: 0 }), 1e-6),
  dropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  attnDropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  dropPathRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  /** One tokenizer spec for every branch, or an array with one per branch. */
  tokenizer: s.default(s.oneOrArray(s.component('tokenizer')), 'patch'),
  /** Fusion spec (a registered `fusion` name or `{ type, ...options }`), used in every multi-scale block. */
  fusion: s.default(s.component('fusion'), 'cross-attention'),
  /** Head spec (kind `head`): one per branch (`head.{i}`) on the branch's CLS features; their logits are averaged. */
  head: s.default(s.component('head'), 'linear'),
});

export type DualBranchOptions = SchemaType<typeof dualBranchOptions>;

/**
 * One multi-scale transformer encoder (official `MultiScaleBlock`): per-branch stacks of transformer blocks
 * (`blocks.{i}.{j}`), then the fusion. The fusion's children are mounted directly on this module, so the
 * cross-attention's `projs`, `fusion`, `revert_projs` get the official names `blocks.{k}.projs.…`.
 */
export class MultiScaleBlock extends Module {
  readonly blocks: ModuleList<Sequential>;
  readonly fuse: Fusion;

  constructor(branchBlocks: Block[][], fusion: Fusion) {
    super();
    this.blocks = this.addModule('blocks', new ModuleList(branchBlocks.map((bs) => new Sequential(bs))));
    const own = fusion.namedParameters().filter(([n]) => !n.includes('.'));
    const ownBuffers = fusion.namedBuffers().filter(([n]) => !n.includes('.'));
    if (own.length || ownBuffers.length) {
      throw new Error(
        `${fusion.constructor.name}: a fusion used by the dual-branch backbone must keep its state in child modules (found ${[...own, ...ownBuffers].map(([n]) => n).join(', ')})`,
      );
    }
    for (const [name, child] of fusion.namedChildren()) {
      if (name === 'blocks') throw new Error(`${fusion.constructor.name}: a fusion child may not be named "blocks" (taken by the branch blocks)`);
      this.addModule(name, child);
    }
    this.fuse = fusion;
  }

  override train(mode = true): this {
    super.train(mode);
    this.fuse.train(mode);
    return this;
  }

  forward(xs: tf.Tensor3D[]): tf.Tensor3D[] {
    return tf.tidy(() => this.fuse.forward(xs.map((x, i) => this.blocks.at(i).forward(x) as tf.Tensor3D)));
  }
}

const TIMM_KEY = /^(pos_embed|cls_token)_(\d+)$/;

/**
 * Multi-branch (CrossViT) vision transformer: K multi-scale encoders over n ≥ 2 branches, each branch with its
 * own image size, tokenizer, CLS token, learned position embedding, final norm and head; logits = mean of the
 * branch heads. Parameter names follow the official IBM/CrossViT code; timm names load too.
 */
export class DualBranchViT extends Classifier {
  readonly config: ImageModelConfig;
  readonly numBranches: number;
  patch_embed!: ModuleList<Tokenizer>;
  pos_embed!: ParameterList;
  cls_token!: ParameterList;
  blocks!: ModuleList<MultiScaleBlock>;
  norm!: ModuleList<LayerNorm>;
  private posDrop!: Dropout;

  constructor(readonly options: DualBranchOptions, ctx: BuildContext) {
    super();
    const o = options;
    const path = ctx.path;
    const n = checkOptions(o, path);
    this.numBranches = n;
    const side = Math.max(...o.imgSize);
    this.config = { inputSize: [side, side], inChans: o.inChans, numClasses: o.numClasses };
    try {
      this.build(o, ctx, n);
    } catch (e) {
      this.dispose(); // free what was allocated before a sub-component's spec error
      throw e;
    }
  }

  private build(o: DualBranchOptions, ctx: BuildContext, n: number): void {
    const path = ctx.path;

    const tokenizer = o.tokenizer;
    const tokSpecs = Array.isArray(tokenizer) ? tokenizer : o.imgSize.map(() => tokenizer);
    this.patch_embed = this.addModule(
      'patch_embed',
      new ModuleList(
        tokSpecs.map((spec, i) => {
          const tpath = Array.isArray(o.tokenizer) ? `${path}.tokenizer[${i}]` : `${path}.tokenizer`;
          const hints: Record<string, unknown> = { imgSize: o.imgSize[i], inChans: o.inChans, embedDim: o.embedDim[i] };
          if (o.patchSize) hints.patchSize = o.patchSize[i];
          const tok = ctx.build('tokenizer', spec, tpath, hints);
          if (tok.embedDim !== o.embedDim[i]) {
            throw new SpecError([{ path: `${tpath}.embedDim`, message: `${tok.embedDim} differs from the branch width embedDim[${i}] = ${o.embedDim[i]}; leave it out to inherit it` }]);
          }
          return tok;
        }),
      ),
    );
    const numPatches = this.patch_embed.items.map((t) => t.numTokens);
    this.pos_embed = this.addModule('pos_embed', new ParameterList());
    this.cls_token = this.addModule('cls_token', new ParameterList());
    o.embedDim.forEach((d, i) => this.pos_embed.push(init.truncNormal(0.02)([1, numPatches[i] + 1, d]), { decay: false }));
    o.embedDim.forEach((d) => this.cls_token.push(init.truncNormal(0.02)([1, 1, d]), { decay: false }));
    this.posDrop = this.addModule('pos_drop', new Dropout(o.dropRate));

    // Stochastic depth as the official code: linspace(0, rate, Σ_k (deepest branch + fusion depth)), each
    // multi-scale block takes its slice, the fusion the slice's last rate. (The official code sums the *last*
    // branch's depth instead of the deepest, which crashes when another branch is deeper; equal otherwise.)
    const perBlock = o.depth.map((cfg) => Math.max(...cfg.slice(0, n)) + cfg[n]);
    const total = perBlock.reduce((a, b) => a + b, 0);
    const dpr = Array.from({ length: total }, (_, i) => (total > 1 ? (o.dropPathRate * i) / (total - 1) : 0));
    let ptr = 0;
    this.blocks = this.addModule('blocks', new ModuleList<MultiScaleBlock>());
    o.depth.forEach((cfg, k) => {
      const rates = dpr.slice(ptr, ptr + perBlock[k]);
      ptr += perBlock[k];
      // The fusion first: a fusion spec error then leaves nothing unowned behind.
      const fusion = ctx.build('fusion', o.fusion, `${path}.fusion`, {
        dims: o.embedDim,
        numHeads: o.numHeads,
        numPatches,
        depth: cfg[n],
        qkvBias: o.qkvBias,
        qkScale: o.qkScale,
        normEps: o.normEps,
        drop: o.dropRate,
        attnDrop: o.attnDropRate,
        dropPath: rates.length ? rates[rates.length - 1] : 0,
      });
      const branchBlocks = o.embedDim.map((dim, i) =>
        Array.from(
          { length: cfg[i] },
          (_, j) =>
            new Block(dim, {
              numHeads: o.numHeads[i],
              mlpRatio: o.mlpRatio[i],
              qkvBias: o.qkvBias,
              // No qkScale: the official MultiScaleBlock gives qk_scale to the cross-attention only.
              normEps: o.normEps,
              drop: o.dropRate,
              attnDrop: o.attnDropRate,
              dropPath: rates[j] ?? 0,
              weightInit: init.truncNormal(0.02),
              biasInit: init.zeros,
            }),
        ),
      );
      this.blocks.push(new MultiScaleBlock(branchBlocks, fusion));
    });
    this.norm = this.addModule('norm', new ModuleList(o.embedDim.map((d) => new LayerNorm(d, o.normEps))));
    this.mountHead(ctx, o.head, o.embedDim);
  }

  get head(): ModuleList<Head> {
    return this.headModule as ModuleList<Head>;
  }

  /** timm's checkpoints name the per-branch tokens `pos_embed_0` / `cls_token_0`; the official code `pos_embed.0`. */
  adaptStateDictKey(key: string): string {
    const k = key.startsWith('module.') ? key.slice('module.'.length) : key;
    return k.replace(TIMM_KEY, '$1.$2');
  }

  /** Branch inputs: the image itself where the branch size equals the input's, else a PyTorch-identical bicubic resize. */
  branchInputs(x: tf.Tensor4D): tf.Tensor4D[] {
    const [, h, w, c] = x.shape;
    if (h !== w) {
      throw new Error(`dual-branch: input must be square like the official CrossViT (which resizes by height only), got ${h}×${w}`);
    }
    if (c !== this.options.inChans) throw new Error(`dual-branch: input has ${c} channels, expected ${this.options.inChans} (NHWC)`);
    return this.options.imgSize.map((s) => (s === h ? x : resizeBicubic(x, [s, s])));
  }

  /** CLS token of every branch after the final norms: `[B, C_i]` each. */
  forwardFeatures(x: tf.Tensor4D): tf.Tensor2D[] {
    return tf.tidy(() => {
      const inputs = this.branchInputs(x);
      const b = x.shape[0];
      let xs = inputs.map((xi, i) => {
        const tokens = this.patch_embed.at(i).forward(xi);
        const cls = tf.tile(this.cls_token.items[i].variable, [b, 1, 1]);
        return this.posDrop.forward(tf.add(tf.concat([cls, tokens], 1), this.pos_embed.items[i].variable)) as tf.Tensor3D;
      });
      for (const blk of this.blocks.items) xs = blk.forward(xs);
      return xs.map((t, i) => {
        const d = t.shape[2];
        return this.norm.at(i).forward(tf.reshape(tf.slice(t, [0, 0, 0], [b, 1, d]), [b, d])) as tf.Tensor2D;
      });
    });
  }

  /** One head per branch on its CLS features; `Classifier.forward` averages their logits. */
  forwardPreLogits(x: tf.Tensor4D): tf.Tensor2D[] {
    return this.forwardFeatures(x);
  }
}

/** Cross-field checks; every problem is reported with the option it concerns. Returns the branch count. */
export function checkOptions(o: DualBranchOptions, path: string): number {
  const n = o.imgSize.length;
  const issues: SpecIssue[] = [];
  const perBranch = (name: string, arr: unknown[] | undefined, hint = '') => {
    if (arr && arr.length !== n) {
      issues.push({ path: `${path}.${name}`, message: `has ${arr.length} entries but imgSize has ${n} (one per branch)${hint}` });
    }
  };
  perBranch('embedDim', o.embedDim);
  perBranch('numHeads', o.numHeads);
  perBranch('mlpRatio', o.mlpRatio, o.mlpRatio.length === n + 1 ? "; the official code's trailing fusion entry is never used, drop it" : '');
  perBranch('patchSize', o.patchSize);
  if (Array.isArray(o.tokenizer)) perBranch('tokenizer', o.tokenizer);
  o.depth.forEach((cfg, k) => {
    if (cfg.length !== n + 1) {
      issues.push({ path: `${path}.depth[${k}]`, message: `has ${cfg.length} entries; expected ${n + 1}: the depth of each of the ${n} branches, then the fusion depth` });
    }
  });
  if (o.depth.length === 0) issues.push({ path: `${path}.depth`, message: 'needs at least one multi-scale block' });
  if (o.embedDim.length === n && o.numHeads.length === n) {
    o.embedDim.forEach((d, i) => {
      if (d % o.numHeads[i] !== 0) issues.push({ path: `${path}.numHeads[${i}]`, message: `${o.numHeads[i]} does not divide embedDim[${i}] = ${d}` });
    });
  }
  if (o.numClasses === 0 && o.embedDim.length === n && new Set(o.embedDim).size > 1) {
    issues.push({
      path: `${path}.numClasses`,
      message: `0 (no heads) would average features of different widths (${o.embedDim.join(', ')}); give a class count, or use forwardFeatures() for per-branch features`,
    });
  }
  if (o.patchSize && o.patchSize.length === n) {
    o.imgSize.forEach((s, i) => {
      const p = o.patchSize![i];
      if (s % p !== 0) {
        issues.push({ path: `${path}.imgSize[${i}]`, message: `${s} is not divisible by patchSize[${i}] = ${p}; branch ${i} needs an image size that is a multiple of ${p}` });
      }
    });
  }
  if (issues.length) throw new SpecError(issues);
  return n;
}
