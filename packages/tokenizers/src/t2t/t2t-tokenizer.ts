import { BatchNorm2d, Conv2d, Linear, Module, SpecError, Tokenizer, describeValue, gelu, s, tf } from '@vitkit/core';
import type { Schema, SpecIssue } from '@vitkit/core';
import { T2T_LINEAR_INIT, TokenPerformer, TokenTransformer } from './layers';
import { restructurize, softSplit, splitOutputSize } from './soft-split';

export const T2T_ATTENTION_TYPES = ['performer', 'transformer', 'convolution'] as const;
export type T2TAttention = (typeof T2T_ATTENTION_TYPES)[number];

const intArray = (min: number) => s.array(s.int({ min }), { minLength: 2 });

/** An image size: one integer (square) or `[height, width]`. */
export const imageSizeSchema: Schema<number | [number, number]> = {
  description: 'a positive integer or [height, width]',
  parse(v, path, issues) {
    const ok = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1;
    if (ok(v) || (Array.isArray(v) && v.length === 2 && v.every(ok))) return v as number | [number, number];
    issues.push({ path, message: `${describeValue(v)} is not valid; expected a positive integer or [height, width]` });
    return v as number;
  },
};

/** Options of the `t2t` tokenizer (registry kind `tokenizer`). */
export const t2tOptionsSchema = s.object({
  /** Square input size in pixels. */
  imgSize: imageSizeSchema,
  inChans: s.default(s.int({ min: 1 }), 3),
  /** Output token width (the backbone's embedding width; `project` maps to it). */
  embedDim: s.int({ min: 1 }),
  /** Width of the T2T layers (official 64; the fixtures use 32). */
  tokenDim: s.default(s.int({ min: 1 }), 64),
  /** `performer` (T2T-ViT), `transformer` (T2T-ViT_t) or `convolution` (T2T-ViT_c, paper Table 7). */
  attention: s.default(s.enum(T2T_ATTENTION_TYPES), 'performer'),
  /** Soft-split kernels, strides, paddings, one entry per split (official (7,4,2), (3,2,1), (3,2,1)). */
  kernelSizes: s.default(intArray(1), [7, 3, 3]),
  strides: s.default(intArray(1), [4, 2, 2]),
  paddings: s.default(s.array(s.int({ min: 0 }), { minLength: 2 }), [2, 1, 1]),
  /** Performer: `m = int(tokenDim · kernelRatio)` random features. */
  kernelRatio: s.default(s.number({ gt: 0, max: 1 }), 0.5),
  /** MLP hidden ratio of the T2T layers (official 1.0). */
  mlpRatio: s.default(s.number({ gt: 0 }), 1),
  /** Performer's internal dropouts (`dp`, `mlp.3`), official 0.1, active only in training. */
  performerDropout: s.default(s.number({ min: 0, max: 0.99 }), 0.1),
  /**
   * `convolution` only: the activation after each of the first convolutions. The official code has none, which makes
   * the three convolutions one linear map (a patch embedding); `relu` or `gelu` turn them into a small convolutional
   * stem, which trains far faster on small data ("Early convolutions help transformers see better", Xiao et al. 2021).
   */
  convActivation: s.default(s.enum(['none', 'relu', 'gelu'] as const), 'none'),
  /** `convolution` only: `batch` puts a BatchNorm2d (`norm0`, `norm1`, ...) after each of the first convolutions. */
  convNorm: s.default(s.enum(['none', 'batch'] as const), 'none'),
});

export type T2TOptions = ReturnType<typeof t2tOptionsSchema.parse>;

/** Options with defaults filled in, for direct construction without the registry. */
export function t2tOptions(o: Partial<T2TOptions> & { imgSize: number | [number, number]; embedDim: number }, path = 'tokenizer'): T2TOptions {
  return validateT2T(o, path);
}

function validateT2T(o: unknown, path: string): T2TOptions {
  const issues: SpecIssue[] = [];
  const out = t2tOptionsSchema.parse(o, path, issues);
  if (issues.length) throw new SpecError(issues);
  return out;
}

export interface T2TGeometry {
  /** Grid side after each split (`grids[i]` = output of split i). */
  grids: number[];
  /** Feature width of each split's tokens (`C·k²`). */
  widths: number[];
}

/**
 * Checks a T2T configuration and returns the token grids, or throws a `SpecError` naming the offending option.
 * Every split must shrink the image exactly by its stride (`n → n/s`), which is what the official
 * `num_patches = (img_size // 16)²` assumes; the re-structurization between splits needs a square grid.
 */
export function t2tGeometry(o: Pick<T2TOptions, 'imgSize' | 'inChans' | 'tokenDim' | 'kernelSizes' | 'strides' | 'paddings'>, path = 'tokenizer'): T2TGeometry {
  const issues: SpecIssue[] = [];
  const n = o.kernelSizes.length;
  if (o.strides.length !== n || o.paddings.length !== n) {
    issues.push({
      path: `${path}.strides`,
      message: `kernelSizes, strides and paddings must have the same length (one entry per soft split); got ${o.kernelSizes.length}, ${o.strides.length}, ${o.paddings.length}`,
    });
    throw new SpecError(issues);
  }
  const imgSize = Array.isArray(o.imgSize) ? o.imgSize : [o.imgSize, o.imgSize];
  if (imgSize[0] !== imgSize[1]) {
    throw new SpecError([{ path: `${path}.imgSize`, message: `${imgSize[0]}×${imgSize[1]} gives a non-square token grid; T2T re-structurization (reshape to √L × √L) needs a square image` }]);
  }
  const product = o.strides.reduce((a, b) => a * b, 1);
  if (imgSize[0] % product !== 0) {
    throw new SpecError([
      {
        path: `${path}.imgSize`,
        message: `${imgSize[0]} is not divisible by the product of the soft-split strides (${o.strides.join('·')} = ${product}); use a multiple of ${product} or change strides`,
      },
    ]);
  }
  const grids: number[] = [];
  const widths: number[] = [];
  let size = imgSize[0];
  let chans = o.inChans;
  for (let i = 0; i < n; i++) {
    const [k, st, p] = [o.kernelSizes[i], o.strides[i], o.paddings[i]];
    const out = splitOutputSize(size, k, st, p);
    if (out !== size / st) {
      const good = Array.from({ length: k + 1 }, (_, q) => q).find((q) => splitOutputSize(size, k, st, q) === size / st);
      const suggest = good !== undefined ? ` (padding ${good} would give ${size / st})` : '';
      issues.push({
        path: `${path}.paddings[${i}]`,
        message: `soft split ${i} (kernel ${k}, stride ${st}, padding ${p}) maps a ${size}×${size} grid to ${out}×${out}, expected ${size / st}×${size / st} = ${size}/${st}${suggest}; check kernelSizes[${i}], strides[${i}], paddings[${i}]`,
      });
      break;
    }
    if (k < 1 || out < 1) {
      issues.push({ path: `${path}.kernelSizes[${i}]`, message: `kernel ${k} does not fit a ${size}×${size} grid` });
      break;
    }
    grids.push(out);
    widths.push(chans * k * k);
    size = out;
    chans = o.tokenDim;
  }
  if (issues.length) throw new SpecError(issues);
  return { grids, widths };
}

/** A parameter-free marker for `nn.Unfold` (no state; keeps the official member names readable). */
class SoftSplit extends Module {
  constructor(readonly kernel: number, readonly stride: number, readonly padding: number) {
    super();
  }
  forward(x: tf.Tensor4D): tf.Tensor3D {
    return softSplit(x, this.kernel, this.stride, this.padding);
  }
}

/**
 * Tokens-to-Token module (official `T2T_module`), mounted by the T2T-ViT backbone as `tokens_to_token`.
 * Parameter names relative to it: `attention1.*`, `attention2.*`, `project.*` (performer / transformer),
 * or `soft_split0.*`, `soft_split1.*`, `project.*` (convolution).
 *
 * performer / transformer: `SS0 → T2T layer 1 → reshape → SS1 → T2T layer 2 → reshape → SS2 → project`.
 * convolution (T2T-ViT_c, paper Table 7): the splits become convolutions with the same kernels/strides/paddings,
 * `Conv(inChans→tokenDim) → Conv(tokenDim→tokenDim) → Conv(tokenDim→embedDim)` = `soft_split0, soft_split1, project`,
 * with no activation in between (the official code declares these layers but has no forward for them); the
 * `convNorm` / `convActivation` options add BatchNorm2d (`norm0`, `norm1`) and an activation after the first ones.
 */
export class T2TTokenizer extends Tokenizer {
  readonly embedDim: number;
  readonly numTokens: number;
  readonly gridSize: number;
  readonly imgSize: number;
  readonly geometry: T2TGeometry;
  readonly attention: T2TAttention;
  readonly layers: Array<TokenPerformer | TokenTransformer> = [];
  readonly convs: Conv2d[] = [];
  readonly norms: BatchNorm2d[] = [];
  readonly project: Linear | Conv2d;
  private readonly splits: SoftSplit[] = [];

  constructor(readonly options: T2TOptions, path = 'tokenizer') {
    super();
    const o = options;
    this.geometry = t2tGeometry(o, path);
    for (const key of ['convActivation', 'convNorm'] as const) {
      if (o.attention !== 'convolution' && o[key] !== 'none') {
        throw new SpecError([{ path: `${path}.${key}`, message: `applies to attention "convolution" only (attention is "${o.attention}")` }]);
      }
    }
    if (o.attention === 'performer' && o.mlpRatio !== 1) {
      throw new SpecError([{ path: `${path}.mlpRatio`, message: `the performer T2T layer has a fixed MLP width (ratio 1); got ${o.mlpRatio}` }]);
    }
    if (o.attention === 'performer' && Math.floor(o.tokenDim * o.kernelRatio) < 1) {
      throw new SpecError([{ path: `${path}.kernelRatio`, message: `int(tokenDim ${o.tokenDim} · kernelRatio ${o.kernelRatio}) gives no performer random feature` }]);
    }
    const n = o.kernelSizes.length;
    this.attention = o.attention;
    this.embedDim = o.embedDim;
    this.gridSize = this.geometry.grids[n - 1];
    this.imgSize = Array.isArray(o.imgSize) ? o.imgSize[0] : o.imgSize;
    this.numTokens = this.gridSize * this.gridSize;
    for (let i = 0; i < n; i++) this.splits.push(new SoftSplit(o.kernelSizes[i], o.strides[i], o.paddings[i]));

    if (o.attention === 'convolution') {
      let cin = o.inChans;
      for (let i = 0; i < n - 1; i++) {
        this.convs.push(this.addModule(`soft_split${i}`, new Conv2d(cin, o.tokenDim, o.kernelSizes[i], { stride: o.strides[i], padding: o.paddings[i] })));
        if (o.convNorm === 'batch') this.norms.push(this.addModule(`norm${i}`, new BatchNorm2d(o.tokenDim)));
        cin = o.tokenDim;
      }
      this.project = this.addModule('project', new Conv2d(cin, o.embedDim, o.kernelSizes[n - 1], { stride: o.strides[n - 1], padding: o.paddings[n - 1] }));
      return;
    }
    for (let i = 0; i < n - 1; i++) {
      const dim = this.geometry.widths[i];
      const layer =
        o.attention === 'performer'
          ? new TokenPerformer(dim, o.tokenDim, { kernelRatio: o.kernelRatio, dropout: o.performerDropout })
          : new TokenTransformer(dim, o.tokenDim, { numHeads: 1, mlpRatio: o.mlpRatio });
      this.layers.push(this.addModule(`attention${i + 1}`, layer));
    }
    this.project = this.addModule('project', new Linear(this.geometry.widths[n - 1], o.embedDim, T2T_LINEAR_INIT));
  }

  private activate(y: tf.Tensor): tf.Tensor {
    switch (this.options.convActivation) {
      case 'relu':
        return tf.relu(y);
      case 'gelu':
        return gelu(y);
      default:
        return y;
    }
  }

  /** NHWC image `[B, H, W, C]` → tokens `[B, N, embedDim]`. */
  forward(x: tf.Tensor4D): tf.Tensor3D {
    const [, h, w, c] = x.shape;
    if (h !== this.imgSize || w !== this.imgSize || c !== this.options.inChans) {
      throw new Error(
        `t2t tokenizer: input is ${h}×${w}×${c} (NHWC), but the model was built for imgSize ${this.imgSize}, inChans ${this.options.inChans}`,
      );
    }
    return tf.tidy(() => {
      if (this.attention === 'convolution') {
        let y: tf.Tensor = x;
        this.convs.forEach((conv, i) => {
          y = conv.forward(y);
          if (this.norms[i]) y = this.norms[i].forward(y);
          y = this.activate(y);
        });
        y = this.project.forward(y);
        const [b, gh, gw, d] = y.shape;
        return tf.reshape(y, [b, gh * gw, d]) as tf.Tensor3D;
      }
      let tokens = this.splits[0].forward(x);
      for (let i = 0; i < this.layers.length; i++) {
        const g = this.geometry.grids[i];
        const img = restructurize(this.layers[i].forward(tokens), g, g);
        tokens = this.splits[i + 1].forward(img);
      }
      return this.project.forward(tokens) as tf.Tensor3D;
    });
  }

  /** Intermediate activations for debugging, in the fixtures' layout (`soft_split*` as `[B, C·k², L]`). */
  debugForward(x: tf.Tensor4D): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    if (this.attention === 'convolution') {
      out.set('tokens_to_token', this.forward(x));
      return out;
    }
    let tokens = this.splits[0].forward(x);
    out.set('tokens_to_token.soft_split0', tf.transpose(tokens, [0, 2, 1]));
    for (let i = 0; i < this.layers.length; i++) {
      const g = this.geometry.grids[i];
      const y = this.layers[i].forward(tokens);
      tokens.dispose();
      out.set(`tokens_to_token.attention${i + 1}`, y);
      tokens = tf.tidy(() => this.splits[i + 1].forward(restructurize(y, g, g)));
      out.set(`tokens_to_token.soft_split${i + 1}`, tf.transpose(tokens, [0, 2, 1]));
    }
    out.set('tokens_to_token', this.project.forward(tokens));
    tokens.dispose();
    return out;
  }
}
