import type { ImageClassifier } from '@vitkit/core';
import { evaluateModel } from '@vitkit/trainer';
import { digitBatches } from './digit-batches';
import type { Digits } from './mnist';

/**
 * Top-1 accuracy of `model` on digits it never trained on, with the trainer's evaluation (eval mode, batch after batch,
 * tensors released); digits past the last whole batch are left out, so `count` says how many were scored.
 */
export async function heldOutAccuracy(model: ImageClassifier, digits: Digits, batchSize: number): Promise<{ accuracy: number; count: number }> {
  const batches = digitBatches(digits, Math.min(batchSize, digits.count));
  const result = await evaluateModel(model, batches, 10);
  return { accuracy: result.top1, count: result.count };
}
