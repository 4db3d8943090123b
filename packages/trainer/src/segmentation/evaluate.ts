import { tf } from '@vitkit/core';
import type { SegmentationModel } from '@vitkit/core';
import { IGNORE_INDEX } from '@vitkit/data';
import type { SegDataset } from '@vitkit/data';
import type { BatchSource } from '../data';
import type { TrainableModel } from '../task/task';
import { SegmentationLoader } from './loader';
import { pixelCrossEntropy } from './loss';
import type { PixelLogitsForward } from './pixel-logits';
import { ConfusionMatrix, SegmentationScores } from './metrics';

export interface SegmentationEvaluation extends SegmentationScores {
  /** Mean per-pixel cross-entropy over the labelled pixels. */
  loss: number;
  /** Images evaluated. */
  samples: number;
}

export interface SegmentationEvaluateOptions {
  onBatch?: (done: number, total: number) => void;
  /** Where the logits come from instead of `model.forward` (e.g. the model exported to ONNX in onnxruntime). */
  forward?: PixelLogitsForward;
}

/**
 * mIoU, pixel accuracy, per-class IoU and the per-pixel cross-entropy of `model` (in eval mode) over one pass of
 * `source`'s batches; pixels labelled 255 count for nothing.
 */
export async function evaluateSegmentationBatches(model: TrainableModel, source: BatchSource, numClasses: number, options: SegmentationEvaluateOptions = {}): Promise<SegmentationEvaluation> {
  const cm = new ConfusionMatrix(numClasses, IGNORE_INDEX);
  const total = source.batchesPerEpoch;
  let lossSum = 0;
  let pixels = 0;
  let samples = 0;
  let done = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    for await (const b of source.iterate({ epoch: 0, batch: 0 })) {
      try {
        const served = options.forward ? await options.forward(b.x) : undefined;
        const [lossT, predT] = tf.tidy(() => {
          const logits = served ?? (model.forward(b.x) as tf.Tensor4D);
          return [pixelCrossEntropy(logits, b.labels, IGNORE_INDEX), tf.argMax(logits, 3)];
        });
        served?.dispose();
        const [loss, pred] = await Promise.all([lossT.data(), predT.data()]);
        tf.dispose([lossT, predT]);
        const labelled = b.labels.reduce((s, v) => s + (v === IGNORE_INDEX ? 0 : 1), 0);
        lossSum += loss[0] * labelled;
        pixels += labelled;
        samples += b.x.shape[0];
        cm.update(pred, b.labels);
      } finally {
        b.x.dispose();
        b.y?.dispose();
      }
      done++;
      options.onBatch?.(done, total);
      if (done >= total) break;
    }
  } finally {
    model.train(wasTraining);
  }
  return { ...cm.scores(), loss: pixels ? lossSum / pixels : 0, samples };
}

/**
 * mIoU, pixel accuracy, per-class IoU and loss of `model` on every sample of `ds` (eval mode, no augmentation);
 * `forward` serves the logits from elsewhere (an ONNX export of the model).
 */
export function evaluateSegmentation(model: SegmentationModel, ds: SegDataset, options: { batchSize?: number; forward?: PixelLogitsForward } = {}): Promise<SegmentationEvaluation> {
  const source = new SegmentationLoader(ds, { batchSize: options.batchSize ?? 8, shuffle: false, seed: 0, dropLast: false });
  return evaluateSegmentationBatches(model, source, ds.numClasses, { forward: options.forward });
}
