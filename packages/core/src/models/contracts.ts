import { tf } from '../tf';
import { Module } from '../nn/module';

/** Turns an NHWC image batch into a token sequence `[B, N, D]`. */
export abstract class Tokenizer extends Module {
  /** Token width D. */
  abstract readonly embedDim: number;
  /** Number of tokens N for the configured image size. */
  abstract readonly numTokens: number;
  abstract forward(x: tf.Tensor4D): tf.Tensor3D;
}

/** Exchanges information between the token sequences of several branches; returns one sequence per branch. */
export abstract class Fusion extends Module {
  abstract forward(branches: tf.Tensor3D[]): tf.Tensor3D[];
}

export interface ImageModelConfig {
  /** `[height, width]` the model expects. */
  inputSize: [number, number];
  inChans: number;
  numClasses: number;
}

/**
 * A complete image model as a backbone factory builds it (tokenizer, body and head mounted under the
 * reference parameter names). Input NHWC, output logits `[B, numClasses]`.
 */
export abstract class ImageClassifier extends Module {
  abstract readonly config: ImageModelConfig;
  abstract forward(x: tf.Tensor4D): tf.Tensor2D;
  /** Replaces the classification head with a freshly initialised one for `numClasses` (fine-tuning). */
  resetClassifier?(numClasses: number): void;
}

/**
 * A tokenizer over a CNN feature map that may also read the previous module's tokens (the Visual Transformer
 * tokenizers: filter, clustering, pooling, recurrent). Registered as kind `tokenizer`; a consumer that needs the
 * richer surface checks it with `FEATURE_MAP_TOKENIZER.check` (from the kinds' contracts).
 */
export interface FeatureMapTokenizer extends Module {
  readonly embedDim: number;
  readonly numTokens: number;
  /** `forward` needs the previous module's tokens (recurrent tokenizer). */
  readonly needsPreviousTokens: boolean;
  /** Keep the last forward's spatial attention for `lastAttention`. */
  recordAttention: boolean;
  forward(x: tf.Tensor4D, previousTokens?: tf.Tensor3D): tf.Tensor3D;
  lastAttention(): tf.Tensor4D | null;
  clearAttention(): void;
}

/**
 * A backbone that exposes its multi-scale feature maps (finest first), what a segmentation neck reads: ResNet's
 * stages C2–C5 at strides 4, 8, 16, 32. Built as kind `backbone`; a consumer checks the richer surface with
 * `FEATURE_PYRAMID_BACKBONE.check` (from the kinds' contracts).
 */
export interface FeaturePyramidBackbone extends Module {
  /** Channels of each feature map, finest first. */
  readonly featureChannels: readonly number[];
  /** Stride of each feature map relative to the input (4, 8, 16, 32 for ResNet), finest first. */
  readonly featureStrides: readonly number[];
  /** `x` NHWC → one NHWC feature map per level, finest first (caller disposes). */
  forwardFeatureMaps(x: tf.Tensor4D): tf.Tensor4D[];
}
