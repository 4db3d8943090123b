// What the step loop trains on, apart from the tasks (task.ts): portable, so the browser entry has it too.
import type { ImageModelConfig, Module, tf } from '@vitkit/core';

/** The model a task trains: NHWC images in, logits out with the classes last (`[B, K]` or `[B, H, W, K]`). */
export interface TrainableModel extends Module {
  readonly config: ImageModelConfig;
  forward(x: tf.Tensor4D): tf.Tensor;
}

/**
 * A batch as the loop sees it: normalised images and the labels of every target (one per image for classification,
 * one per pixel for segmentation, 255 = ignored). `y` holds classification's (possibly mixed) soft targets.
 */
export interface TaskBatch {
  x: tf.Tensor4D;
  y?: tf.Tensor2D;
  labels: Int32Array;
}
