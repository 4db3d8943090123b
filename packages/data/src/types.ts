import type { tf } from '@vitkit/core';

/** One decoded example: an HWC float image in [0, 1] and its class index. */
export interface Sample {
  image: Float32Array;
  label: number;
}

/** A random-access dataset. Implementations may stream from disk; `get` must not hold the whole set in memory. */
export interface Dataset {
  readonly name: string;
  readonly length: number;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /** `[height, width, channels]` of every sample (after the dataset's own decoding, before transforms). */
  readonly shape: readonly [number, number, number];
  /** Per-channel mean and std used by `normalize` when the spec does not give them. */
  readonly stats: { mean: readonly number[]; std: readonly number[] };
  get(index: number): Promise<Sample>;
}

/** A training batch: NHWC normalised images, soft targets `[B, numClasses]` (one-hot, smoothed or mixed), hard labels. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  labels: Int32Array;
  /** Indices into the dataset, for reproducibility checks. */
  indices: Int32Array;
}

/** Where a loader is in its stream: enough to resume exactly (same order, same random numbers). */
export interface LoaderPosition {
  epoch: number;
  /** Batches of `epoch` already delivered. */
  batch: number;
}
