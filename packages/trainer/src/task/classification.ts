// Classification as a task of the shared trainer: a registered classifier (pretrained or not), image–label loaders
// from @vitkit/data, cross-entropy on soft targets, top-1/top-5 evaluation and the curves + confusion-matrix report.
import { promises as fs } from 'fs';
import { buildPretrainedModel, describePretrained, finetuneLayout, loadPretrainedFile, resolveModelSpec, splitPretrained, tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import { defaultDataFactory } from '../data';
import { evaluateModel } from '../evaluate';
import type { LossFn } from '../loss/losses';
import { correctPredictions } from '../loss/correct-predictions';
import type { EvalResult } from '../metrics';
import { renderReport } from '../report';
import { attentionPicturesHtml } from './attention-pictures';
import { pct } from './task';
import type { TrainingTask } from './task';

export const classificationTask: TrainingTask<EvalResult> = {
  name: 'classification',
  async buildModel(registry, spec, { baseDir, resume, weights, log }) {
    // Resuming restores the weights, so `model.pretrained` is only read for a fresh run.
    const modelSpec = resume || weights ? splitPretrained(spec.model).spec : spec.model;
    const { model } = await buildPretrainedModel(registry, modelSpec, { path: 'model', baseDir, log });
    if (weights) {
      try {
        const type = resolveModelSpec(registry, modelSpec, 'model').type;
        const report = await loadPretrainedFile(model, weights, { layout: finetuneLayout(type) });
        for (const l of describePretrained(report)) log(l);
      } catch (e) {
        model.dispose();
        throw e;
      }
    }
    return model;
  },
  data: defaultDataFactory,
  buildLoss(registry, spec) {
    const loss = registry.build<LossFn>('loss', spec.train.loss, 'train.loss');
    return (logits, b) => loss(logits as tf.Tensor2D, { y: softTargets(b.y), labels: b.labels });
  },
  correct: correctPredictions,
  targets: (labels) => labels.length,
  evaluate: (model, source, o) => evaluateModel(model as ImageClassifier, source, o.numClasses, { classNames: o.classNames, onBatch: o.onBatch, forward: o.forward }),
  scores: (e) => ({ top1: e.top1, top5: e.top5 }),
  describe: (e) => `top-1 ${pct(e.top1)} top-5 ${pct(e.top5)} loss ${e.loss.toFixed(4)}`,
  describeEma: (e) => `EMA top-1 ${pct(e.top1)}`,
  finalLine: (name, { live, ema }) => `${name} top-1 accuracy: ${pct(live.top1)} (top-5 ${pct(live.top5)}, ${live.count} images)` + (ema ? `; EMA weights: top-1 ${pct(ema.top1)}` : ''),
  summaryRows: (name, e) => [
    [`${name} top-1`, pct(e.top1)],
    [`${name} top-5`, pct(e.top5)],
  ],
  async writeReport(r) {
    const source = r.data.test ?? r.data.evaluation;
    const pictures = await attentionPicturesHtml({ model: r.model as ImageClassifier, source, normalize: r.data.normalize, classNames: r.data.classNames });
    const html = renderReport({
      title: r.title,
      records: r.records,
      final: r.final ? { ...r.final.live, name: `${r.finalName} set` } : undefined,
      finalEma: r.final?.ema ? { ...r.final.ema, name: `${r.finalName} set, EMA weights` } : undefined,
      stepsPerEpoch: r.stepsPerEpoch,
      spec: r.spec,
      summary: r.summary,
      sections: [pictures],
    });
    await fs.writeFile(r.file, html);
  },
};

/** A classification batch always carries its soft targets; one without them comes from a loader of another task. */
function softTargets(y: tf.Tensor2D | undefined): tf.Tensor2D {
  if (!y) throw new Error('a classification loss needs the batch soft targets (y): the loader delivered none');
  return y;
}
