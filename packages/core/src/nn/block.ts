import { tf } from '../tf';
import { residualAdd } from '../ops/residual-add';
import { Attention } from './attention';
import { DropPath } from './dropout';
import { Initializer } from './init';
import { Layer } from './layer';
import { LayerNorm } from './layer-norm';
import { Mlp } from './mlp';

export interface BlockOptions {
  numHeads: number;
  mlpRatio: number;
  qkvBias: boolean;
  /** LayerNorm epsilon, required: 1e-5 for T2T-ViT, 1e-6 for CrossViT. */
  normEps: number;
  qkScale?: number;
  drop?: number;
  attnDrop?: number;
  dropPath?: number;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

/** Pre-norm transformer block: `x + DropPath(Attn(LN(x)))`, then `x + DropPath(MLP(LN(x)))` (timm `Block`). */
export class Block extends Layer {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  private readonly dropPath: DropPath;

  constructor(readonly dim: number, options: BlockOptions) {
    super();
    const init = { weightInit: options.weightInit, biasInit: options.biasInit };
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, options.normEps));
    this.attn = this.addModule(
      'attn',
      new Attention(dim, { numHeads: options.numHeads, qkvBias: options.qkvBias, qkScale: options.qkScale, attnDrop: options.attnDrop, projDrop: options.drop, ...init }),
    );
    this.dropPath = this.addModule('drop_path', new DropPath(options.dropPath ?? 0));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim, options.normEps));
    this.mlp = this.addModule('mlp', new Mlp(dim, { hiddenFeatures: Math.floor(dim * options.mlpRatio), drop: options.drop, ...init }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = residualAdd(x, this.dropPath.forward(this.attn.forward(this.norm1.forward(x))));
      return residualAdd(h, this.dropPath.forward(this.mlp.forward(this.norm2.forward(h))));
    });
  }
}
