import { tf } from '@vitkit/core';
import type { SegmentationModel } from '@vitkit/core';
import { IGNORE_INDEX, loadSegBatch } from '@vitkit/data';
import type { SegDataset } from '@vitkit/data';
import { pixelCrossEntropy } from './loss';
import { ConfusionMatrix, SegmentationScores } from './metrics';

export interface SegmentationEvaluation extends SegmentationScores {
  /** Mean per-pixel cross-entropy over the labelled pixels. */
  loss: number;
  samples: number;
}

/** mIoU, pixel accuracy, per-class IoU and loss of `model` on the first `limit` samples of `ds` (eval mode, no augmentation). */
export async function evaluateSegmentation(model: SegmentationModel, ds: SegDataset, options: { batchSize?: number; limit?: number } = {}): Promise<SegmentationEvaluation> {
  const n = Math.min(ds.length, options.limit ?? ds.length);
  const bs = options.batchSize ?? 8;
  const cm = new ConfusionMatrix(ds.numClasses, IGNORE_INDEX);
  let lossSum = 0;
  let pixels = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    for (let start = 0; start < n; start += bs) {
      const idx = Array.from({ length: Math.min(bs, n - start) }, (_, i) => start + i);
      const batch = await loadSegBatch(ds, idx);
      const [loss, pred] = tf.tidy(() => {
        const logits = model.forward(batch.x);
        return [pixelCrossEntropy(logits, batch.labels).dataSync()[0], tf.argMax(logits, 3).dataSync()] as const;
      });
      batch.x.dispose();
      const labelled = batch.labels.reduce((s, v) => s + (v === IGNORE_INDEX ? 0 : 1), 0);
      lossSum += loss * labelled;
      pixels += labelled;
      cm.update(pred, batch.labels);
    }
  } finally {
    model.train(wasTraining);
  }
  return { ...cm.scores(), loss: pixels ? lossSum / pixels : 0, samples: n };
}
