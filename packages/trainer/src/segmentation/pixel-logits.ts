import type { tf } from '@vitkit/core';

/**
 * Per-pixel logits `[batch, H, W, classes]` of an NHWC batch computed outside the model's own forward pass (e.g. an
 * ONNX export served by onnxruntime); the caller disposes them, the input stays the caller's.
 */
export type PixelLogitsForward = (x: tf.Tensor4D) => Promise<tf.Tensor4D>;
