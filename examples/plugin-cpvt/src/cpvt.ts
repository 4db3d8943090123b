import {
  Block,
  BuildContext,
  createLinearHead,
  Dropout,
  ImageClassifier,
  ImageModelConfig,
  init,
  Layer,
  LayerNorm,
  ModuleList,
  Parameter,
  SpecError,
  tf,
  Tokenizer,
} from '@vitkit/core';
import { PositionalEncodingGenerator } from './peg';

export interface CPVTOptions {
  imgSize: number;
  inChans: number;
  numClasses: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio: number;
  qkvBias: boolean;
  normEps: number;
  dropRate: number;
  attnDropRate: number;
  dropPathRate: number;
  /** `gap`: CPVT-GAP (no class token, mean of the patch tokens); `token`: class token like DeiT. */
  pool: 'gap' | 'token';
  /** Blocks after which a PEG is applied (0 = after the first block, the paper's best position). */
  pegAfter: number[];
  pegKernelSize: number;
  tokenizer: unknown;
}

/** Square-or-rectangular token grid of a tokenizer: its `grid` when it declares one, else √N × √N. */
function tokenGrid(tokenizer: Tokenizer, path: string): [number, number] {
  const declared = (tokenizer as unknown as { grid?: unknown }).grid;
  if (Array.isArray(declared) && declared.length === 2 && declared[0] * declared[1] === tokenizer.numTokens) return [declared[0], declared[1]];
  const side = Math.round(Math.sqrt(tokenizer.numTokens));
  if (side * side !== tokenizer.numTokens) {
    throw new SpecError([{ path, message: `gives ${tokenizer.numTokens} tokens, which do not form a square grid; the PEG needs the 2-D token grid` }]);
  }
  return [side, side];
}

/**
 * CPVT (Conditional Position encodings Vision Transformer): a DeiT/ViT whose absolute position embedding is
 * replaced by Positional Encoding Generators applied to the patch tokens after the chosen blocks. Names follow
 * the official code: `patch_embed`, `cls_token` (token pooling only), `blocks`, `pos_block.<i>.proj.0`, `norm`, `head`.
 */
export class CPVisionTransformer extends ImageClassifier {
  readonly config: ImageModelConfig;
  readonly patchEmbed: Tokenizer;
  readonly clsToken: Parameter | null;
  readonly blocks: ModuleList<Block>;
  readonly posBlock: ModuleList<PositionalEncodingGenerator>;
  readonly norm: LayerNorm;
  head: Layer;
  readonly grid: [number, number];
  private readonly posDrop: Dropout;
  private readonly pegAt: Map<number, PositionalEncodingGenerator>;

  constructor(readonly options: CPVTOptions, ctx: BuildContext) {
    super();
    const o = options;
    const seen = new Set<number>();
    o.pegAfter.forEach((i, k) => {
      if (i >= o.depth) throw new SpecError([{ path: `${ctx.path}.pegAfter[${k}]`, message: `block ${i} does not exist; the model has depth ${o.depth} (blocks 0..${o.depth - 1})` }]);
      if (seen.has(i)) throw new SpecError([{ path: `${ctx.path}.pegAfter[${k}]`, message: `block ${i} is listed twice` }]);
      seen.add(i);
    });
    if (o.pegAfter.length === 0) throw new SpecError([{ path: `${ctx.path}.pegAfter`, message: 'lists no block; a CPVT needs at least one PEG (it has no other position encoding)' }]);
    this.config = { inputSize: [o.imgSize, o.imgSize], inChans: o.inChans, numClasses: o.numClasses };
    this.patchEmbed = this.addModule(
      'patch_embed',
      ctx.build<Tokenizer>('tokenizer', (o.tokenizer ?? { type: 'patch' }) as { type: string }, `${ctx.path}.tokenizer`, { imgSize: o.imgSize, inChans: o.inChans, embedDim: o.embedDim }),
    );
    if (this.patchEmbed.embedDim !== o.embedDim) {
      throw new SpecError([{ path: `${ctx.path}.tokenizer`, message: `gives ${this.patchEmbed.embedDim}-d tokens but embedDim is ${o.embedDim}` }]);
    }
    this.grid = tokenGrid(this.patchEmbed, `${ctx.path}.tokenizer`);
    this.clsToken = o.pool === 'token' ? this.addParameter('cls_token', init.truncNormal(0.02)([1, 1, o.embedDim]), { decay: false }) : null;
    this.posDrop = this.addModule('pos_drop', new Dropout(o.dropRate));
    this.blocks = this.addModule('blocks', new ModuleList<Block>());
    for (let i = 0; i < o.depth; i++) {
      const dropPath = o.depth > 1 ? (o.dropPathRate * i) / (o.depth - 1) : 0;
      this.blocks.push(
        new Block(o.embedDim, {
          numHeads: o.numHeads, mlpRatio: o.mlpRatio, qkvBias: o.qkvBias, normEps: o.normEps,
          drop: o.dropRate, attnDrop: o.attnDropRate, dropPath, weightInit: init.truncNormal(0.02), biasInit: init.zeros,
        }),
      );
    }
    this.posBlock = this.addModule('pos_block', new ModuleList<PositionalEncodingGenerator>());
    this.pegAt = new Map();
    for (const i of o.pegAfter) {
      const peg = new PositionalEncodingGenerator(o.embedDim, o.pegKernelSize);
      this.posBlock.push(peg);
      this.pegAt.set(i, peg);
    }
    this.norm = this.addModule('norm', new LayerNorm(o.embedDim, o.normEps));
    this.head = this.addModule('head', createLinearHead(o.embedDim, o.numClasses));
  }

  /** Applies a PEG to the patch tokens, leaving the class token (when there is one) untouched. */
  private applyPeg(peg: PositionalEncodingGenerator, h: tf.Tensor3D): tf.Tensor3D {
    if (!this.clsToken) return peg.forward(h, this.grid);
    const [b, n, d] = h.shape;
    const cls = tf.slice(h, [0, 0, 0], [b, 1, d]);
    const patches = tf.slice(h, [0, 1, 0], [b, n - 1, d]);
    return tf.concat([cls, peg.forward(patches, this.grid)], 1);
  }

  /** Token features after the final norm: `[B, N (+1), D]`. */
  forwardFeatures(x: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      let h = this.patchEmbed.forward(x);
      if (this.clsToken) h = tf.concat([tf.tile(this.clsToken.variable as tf.Tensor3D, [h.shape[0], 1, 1]), h], 1);
      h = this.posDrop.forward(h) as tf.Tensor3D;
      this.blocks.items.forEach((blk, i) => {
        h = blk.forward(h) as tf.Tensor3D;
        const peg = this.pegAt.get(i);
        if (peg) h = this.applyPeg(peg, h);
      });
      return this.norm.forward(h) as tf.Tensor3D;
    });
  }

  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const h = this.forwardFeatures(x);
      const [b, , d] = h.shape;
      const pooled = this.clsToken ? tf.reshape(tf.slice(h, [0, 0, 0], [b, 1, d]), [b, d]) : tf.mean(h, 1);
      return this.head.forward(pooled) as tf.Tensor2D;
    });
  }
}
