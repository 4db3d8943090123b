import type { HostImage } from '../image';
import type { Rng } from '../rng';

/** What a per-sample transform gets besides the image. */
export interface TransformContext {
  /** This sample's own generator, seeded from (loader seed, epoch, position in the epoch). */
  rng: Rng;
  /** Normalisation statistics of the run (per channel, in [0, 1] units): fills such as "mean colour" use them. */
  mean: readonly number[];
  std: readonly number[];
}

/** A per-sample augmentation on a host HWC float image. Registered under kind `transform`. */
export interface Transform {
  readonly name: string;
  apply(image: HostImage, ctx: TransformContext): HostImage;
}

/** A batch assembled on the host: NHWC images and soft targets. */
export interface HostBatch {
  /** `[B, H, W, C]`, row-major. */
  x: Float32Array;
  shape: [number, number, number, number];
  /** `[B, numClasses]` soft targets. */
  y: Float32Array;
  numClasses: number;
  labels: Int32Array;
}

/** A batch-level augmentation such as mixup or cutmix. Registered under kind `batch-transform`. */
export interface BatchTransform {
  readonly name: string;
  apply(batch: HostBatch, rng: Rng): HostBatch;
}
