import type { TrainResult } from '../trainer';

/** A classification run's result, narrowed to its top-1/top-5 scores (throws for another task's run). */
export function classificationResult(r: TrainResult): Extract<TrainResult, { task: 'classification' }> {
  if (r.task !== 'classification') throw new Error(`expected a classification run's result, got a ${r.task} run's`);
  return r;
}

/** A segmentation run's result, narrowed to its mIoU scores (throws for another task's run). */
export function segmentationResult(r: TrainResult): Extract<TrainResult, { task: 'segmentation' }> {
  if (r.task !== 'segmentation') throw new Error(`expected a segmentation run's result, got a ${r.task} run's`);
  return r;
}
