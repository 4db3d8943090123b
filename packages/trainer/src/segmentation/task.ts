// Segmentation as a task of the shared trainer: a registered segmenter (backbone → neck → head), image + mask
// loaders, a per-pixel loss (pixel-cross-entropy, ignore index 255), mIoU / pixel accuracy / per-class IoU, and the
// report with predicted masks next to the ground truth (and, for VT-FPN, the tokenizers' attention).
import { buildSegmenter, loadStateDict, SpecError, tf } from '@vitkit/core';
import type { SegmentationModel } from '@vitkit/core';
import { IGNORE_INDEX } from '@vitkit/data';
import { readWeights } from '../checkpoint';
import { pct } from '../task/task';
import type { TrainingTask } from '../task/task';
import { segmentationDataFactory, isSegmentationRunData } from './data';
import { evaluateSegmentationBatches, SegmentationEvaluation } from './evaluate';
import type { PixelLossFn } from './loss';
import { writeSegmentationReport } from './report';

/** The first-party losses that expect per-image targets: a segmentation spec naming one gets a SpecError. */
const PER_IMAGE_LOSSES = new Set(['cross-entropy', 'soft-target-cross-entropy']);

export const segmentationTask: TrainingTask<SegmentationEvaluation> = {
  name: 'segmentation',
  async buildModel(registry, spec, { weights }) {
    if (spec.task !== 'segmentation') throw new SpecError([{ path: 'task', message: `the segmentation task cannot build a ${spec.task} spec's model` }]);
    if (spec.train.workers > 1) {
      throw new SpecError([{ path: 'train.workers', message: `segmentation trains on one replica (the data-parallel workers exchange per-image labels); set train.workers to 1 (got ${spec.train.workers})` }]);
    }
    const model = buildSegmenter(registry, spec.model, 'model');
    if (weights) {
      try {
        const { tensors } = await readWeights(weights);
        loadStateDict(model, tensors, { strict: true, source: weights });
      } catch (e) {
        model.dispose();
        throw e;
      }
    }
    return model;
  },
  data: segmentationDataFactory,
  buildLoss(registry, spec) {
    const type = typeof spec.train.loss === 'string' ? spec.train.loss : (spec.train.loss as { type?: unknown }).type;
    if (typeof type === 'string' && PER_IMAGE_LOSSES.has(type)) {
      throw new SpecError([{ path: 'train.loss', message: `"${type}" takes one label per image; a segmentation spec needs a per-pixel loss such as "pixel-cross-entropy"` }]);
    }
    const loss = registry.build<PixelLossFn>('loss', spec.train.loss, 'train.loss');
    return (logits, b) => loss(logits as tf.Tensor4D, { labels: b.labels });
  },
  correct: (logits, labels) =>
    tf.tidy(() => {
      const hit = tf.equal(tf.reshape(tf.argMax(logits, -1), [-1]), labels);
      return tf.sum(tf.cast(tf.logicalAnd(hit, tf.notEqual(labels, IGNORE_INDEX)), 'float32')) as tf.Scalar;
    }),
  targets: (labels) => labels.reduce((n, v) => n + (v === IGNORE_INDEX ? 0 : 1), 0),
  evaluate: (model, source, o) => evaluateSegmentationBatches(model, source, o.numClasses, { onBatch: o.onBatch }),
  scores: (e) => ({ mIoU: e.mIoU, pixelAccuracy: e.pixelAccuracy, perClassIoU: e.perClassIoU }),
  describe: (e) => `mIoU ${pct(e.mIoU)} pixel accuracy ${pct(e.pixelAccuracy)} loss ${e.loss.toFixed(4)}`,
  describeEma: (e) => `EMA mIoU ${pct(e.mIoU)}`,
  finalLine: (name, { live, ema }) =>
    `${name} mIoU: ${pct(live.mIoU)} (pixel accuracy ${pct(live.pixelAccuracy)}, ${live.samples} images)` + (ema ? `; EMA weights: mIoU ${pct(ema.mIoU)}` : ''),
  summaryRows: (name, e) => [
    [`${name} mIoU`, pct(e.mIoU)],
    [`${name} pixel accuracy`, pct(e.pixelAccuracy)],
  ],
  async writeReport(r) {
    if (!isSegmentationRunData(r.data)) throw new Error('the segmentation report needs the test split (RunData.testSet): the data factory gave none');
    await writeSegmentationReport(r.file, r.model as SegmentationModel, r.data.testSet, {
      title: r.title,
      scores: r.final?.live,
      emaScores: r.final?.ema,
      records: r.records,
      summary: r.summary,
      stepsPerEpoch: r.stepsPerEpoch,
      count: r.parsed.task === 'segmentation' ? r.parsed.report.images : undefined,
    });
  },
};
