import { Linear, reportMacs, tf, Tokenizer } from '@vitkit/core';

export interface VtTokenizerOptions {
  /** Channels C of the feature map the tokenizer reads. */
  inChannels: number;
  /** Channels CT of the visual tokens. When CT ≠ C a bias-free value projection `value` (C→CT) follows the pooling. */
  tokenChannels: number;
  /** Number of visual tokens L. */
  numTokens: number;
  /** Keep the spatial attention of the last forward (see `lastAttention`). */
  returnAttention?: boolean;
}

/**
 * `x / max(‖x‖₂, 1e-12)` along the last axis (PyTorch `F.normalize`). The clamp is applied to ‖x‖² before the square
 * root so that an all-zero vector (common after ReLU) gets a zero gradient instead of 0·∞ = NaN.
 */
export function l2normalize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-24))));
}

/** Identity in the forward pass, zero gradient (PyTorch `.detach()`). */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * Common part of the Visual Transformer tokenizers (Wu et al. 2020, Eq. 1, 2, 6 and the pooling baseline):
 * every one of them builds a spatial attention `A ∈ R^{HW×L}` (softmax over the HW pixels for filter, recurrent
 * and clustering; fixed average-pooling weights for pooling) and returns the tokens `T = Aᵀ X` (`[B, L, C]`),
 * followed by the value projection to CT channels when CT ≠ C.
 *
 * Attention maps (the paper's Fig. 5): with `returnAttention` (or `recordAttention = true`) the tokenizer keeps the
 * last forward's `A` as `[B, H, W, L]`, read with `lastAttention()`; `forwardWithAttention` returns it directly.
 */
export abstract class VtTokenizer extends Tokenizer {
  readonly embedDim: number;
  readonly numTokens: number;
  readonly inChannels: number;
  readonly value: Linear | null;
  /** True for the recurrent tokenizer: `forward` needs the previous module's tokens. */
  readonly needsPreviousTokens: boolean = false;
  recordAttention: boolean;
  private lastAttn: tf.Tensor4D | null = null;

  constructor(options: VtTokenizerOptions) {
    super();
    this.inChannels = options.inChannels;
    this.embedDim = options.tokenChannels;
    this.numTokens = options.numTokens;
    this.recordAttention = options.returnAttention ?? false;
    this.value = options.tokenChannels !== options.inChannels ? this.addModule('value', new Linear(options.inChannels, options.tokenChannels, { bias: false })) : null;
  }

  /**
   * Aᵀ as `[B, L, HW]` (rows sum to 1) for the flattened feature map `x3` `[B, HW, C]` of an `h × w` map;
   * `tIn` are the previous module's tokens (recurrent tokenizer only).
   */
  protected abstract attentionT(x3: tf.Tensor3D, h: number, w: number, tIn?: tf.Tensor3D): tf.Tensor3D;

  protected checkInput(x: tf.Tensor4D): void {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`${this.constructor.name}: expected an NHWC feature map with ${this.inChannels} channels, got shape [${x.shape}]`);
    }
  }

  /** Tokens `[B, L, CT]` and the spatial attention `A` `[B, H, W, L]` (caller disposes both). */
  forwardWithAttention(x: tf.Tensor4D, tIn?: tf.Tensor3D): { tokens: tf.Tensor3D; attention: tf.Tensor4D } {
    this.checkInput(x);
    const [b, h, w, c] = x.shape;
    return tf.tidy(() => {
      const x3 = tf.reshape(x, [b, h * w, c]) as tf.Tensor3D;
      const at = this.attentionT(x3, h, w, tIn);
      const l = at.shape[1];
      reportMacs('matmul', b * l * h * w * c);
      let tokens: tf.Tensor = tf.matMul(at, x3);
      if (this.value) tokens = this.value.forward(tokens);
      const attention = tf.reshape(tf.transpose(at, [0, 2, 1]), [b, h, w, l]) as tf.Tensor4D;
      return { tokens: tokens as tf.Tensor3D, attention };
    });
  }

  /** `x`: feature map `[B, H, W, C]` → tokens `[B, L, CT]`. */
  forward(x: tf.Tensor4D, tIn?: tf.Tensor3D): tf.Tensor3D {
    if (!this.recordAttention) {
      this.checkInput(x);
      const [b, h, w, c] = x.shape;
      return tf.tidy(() => {
        const x3 = tf.reshape(x, [b, h * w, c]) as tf.Tensor3D;
        const at = this.attentionT(x3, h, w, tIn);
        reportMacs('matmul', b * at.shape[1] * h * w * c);
        const tokens = tf.matMul(at, x3);
        return (this.value ? this.value.forward(tokens) : tokens) as tf.Tensor3D;
      });
    }
    const { tokens, attention } = this.forwardWithAttention(x, tIn);
    this.lastAttn?.dispose();
    this.lastAttn = tf.keep(attention);
    return tokens;
  }

  /**
   * The spatial attention `A` of the last forward as `[B, H, W, L]` (each `[:, :, :, l]` is token l's map over the
   * pixels, summing to 1), or null when `returnAttention` was off. Owned by the tokenizer: valid until the next
   * forward or `dispose`; clone it to keep it.
   */
  lastAttention(): tf.Tensor4D | null {
    return this.lastAttn;
  }

  /** Frees the kept attention map. */
  clearAttention(): void {
    this.lastAttn?.dispose();
    this.lastAttn = null;
  }

  override dispose(): void {
    this.lastAttn?.dispose();
    this.lastAttn = null;
    super.dispose();
  }
}

/** `[rows, cols]` of the token grid used by the pooling tokenizer and the k-means initialisation: rows·cols = L, rows ≤ cols, as square as possible. */
export function tokenGrid(numTokens: number): [number, number] {
  let r = Math.floor(Math.sqrt(numTokens));
  while (numTokens % r !== 0) r--;
  return [r, numTokens / r];
}

/**
 * PyTorch `adaptive_avg_pool2d` from `h × w` to `oh × ow` as a constant matrix `[oh·ow, h·w]` (rows sum to 1):
 * bin i covers `[floor(i·h/oh), ceil((i+1)·h/oh))`.
 */
export function adaptivePoolMatrix(h: number, w: number, oh: number, ow: number): Float32Array {
  const m = new Float32Array(oh * ow * h * w);
  for (let i = 0; i < oh; i++) {
    const r0 = Math.floor((i * h) / oh);
    const r1 = Math.ceil(((i + 1) * h) / oh);
    for (let j = 0; j < ow; j++) {
      const c0 = Math.floor((j * w) / ow);
      const c1 = Math.ceil(((j + 1) * w) / ow);
      const n = (r1 - r0) * (c1 - c0);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) m[(i * ow + j) * h * w + r * w + c] = 1 / n;
    }
  }
  return m;
}
