import { tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import type { BatchSource } from './loop/batch-source';
import { ClassificationMetrics, EvalResult } from './metrics';

/** Runs the model in eval mode over every batch of `source` and returns top-1/top-5, per-class accuracy, confusion. */
export async function evaluateModel(
  model: ImageClassifier,
  source: BatchSource,
  numClasses: number,
  options: {
    classNames?: readonly string[];
    onBatch?: (done: number, total: number) => void;
    /** Eval-mode logits of a batch, instead of model.forward (the trainer's data-parallel evaluation). */
    forward?: (x: tf.Tensor4D) => Promise<tf.Tensor>;
  } = {},
): Promise<EvalResult> {
  const wasTraining = model.training;
  model.eval();
  const metrics = new ClassificationMetrics(numClasses);
  const total = source.batchesPerEpoch;
  let done = 0;
  try {
    for await (const b of source.iterate({ epoch: 0, batch: 0 })) {
      try {
        const logits = options.forward ? await options.forward(b.x as tf.Tensor4D) : tf.tidy(() => model.forward(b.x));
        try {
          const lossSum = tf.tidy(() => {
            const lbl = tf.tensor1d(b.labels, 'int32');
            return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(lbl, numClasses).toFloat())));
          });
          const [l, s] = await Promise.all([logits.data(), lossSum.data()]);
          lossSum.dispose();
          metrics.update(l as Float32Array, b.labels, s[0]);
        } finally {
          logits.dispose();
        }
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
  return metrics.summary(options.classNames);
}
