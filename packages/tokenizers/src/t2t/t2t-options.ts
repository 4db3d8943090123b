// The options of the `t2t` tokenizer, one schema for the three variants (the `attention` option picks the class).
import { SpecError, describeValue, s } from '@vitkit/core';
import type { Schema, SpecIssue } from '@vitkit/core';

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
