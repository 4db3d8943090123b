import * as fs from 'fs';
import * as path from 'path';
import { tf } from '@vitkit/core';
import type { SegmentationModel } from '@vitkit/core';
import { loadSegBatch, permutation, Rng } from '@vitkit/data';
import type { SegDataset, SegTransform } from '@vitkit/data';
import { SGD } from '../optim/sgd';
import { paramDecays } from '../run-assembly';
import { evaluateSegmentation, SegmentationEvaluation } from './evaluate';
import { pixelCrossEntropy } from './loss';

export interface SegmentationFitOptions {
  model: SegmentationModel;
  train: SegDataset;
  test: SegDataset;
  /** Folder of `metrics.jsonl` (created). */
  outDir: string;
  batchSize?: number;
  /** SGD (torch semantics, momentum, coupled weight decay; the VT paper's recipe: lr 0.01, wd 5e-4). */
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  /** Stop after this many epochs … */
  epochs?: number;
  /** … or when this wall-clock budget is spent, whichever comes first (checked after each step). */
  maxMinutes?: number;
  /** Evaluate (and write a metrics line) every this many steps, and at the end. */
  evalEvery?: number;
  /** Test samples evaluated each time (default all). */
  evalLimit?: number;
  transforms?: SegTransform[];
  seed?: number;
  /** Receives a line per evaluation (default: none). */
  log?: (line: string) => void;
}

export interface SegmentationFitResult {
  steps: number;
  epochs: number;
  seconds: number;
  final: SegmentationEvaluation;
  metricsFile: string;
}

/**
 * Trains a segmentation model with per-pixel cross-entropy (ignore index 255) and SGD, evaluating on `test` every
 * `evalEvery` steps and at the end; every evaluation is one JSON line in `<outDir>/metrics.jsonl` with the step,
 * epoch, seconds, train loss, test loss, mIoU, pixel accuracy and per-class IoU.
 */
export async function fitSegmentation(o: SegmentationFitOptions): Promise<SegmentationFitResult> {
  const { model, train, test } = o;
  if (train.numClasses !== model.config.numClasses) throw new Error(`fitSegmentation: the data has ${train.numClasses} classes, the model ${model.config.numClasses}`);
  const bs = o.batchSize ?? 8;
  const seed = o.seed ?? 0;
  const epochs = o.epochs ?? Infinity;
  const budgetMs = (o.maxMinutes ?? Infinity) * 60_000;
  if (!Number.isFinite(epochs) && !Number.isFinite(budgetMs)) throw new Error('fitSegmentation: give epochs or maxMinutes');
  fs.mkdirSync(o.outDir, { recursive: true });
  const metricsFile = path.join(o.outDir, 'metrics.jsonl');
  fs.writeFileSync(metricsFile, '');
  const params = model.namedParameters().filter(([, p]) => p.variable.trainable).map(([name, p]) => ({ name, variable: p.variable, decay: paramDecays(name, p.decay) }));
  const byVar = new Map(params.map((p) => [p.variable.name, p.name]));
  const opt = new SGD(params, { momentum: o.momentum ?? 0.9, nesterov: false, weightDecay: o.weightDecay ?? 5e-4 });
  const lr = o.lr ?? 0.01;
  const start = Date.now();
  const elapsed = () => Date.now() - start;
  let step = 0;
  let epoch = 0;
  let lossSum = 0;
  let lossCount = 0;
  let final: SegmentationEvaluation | undefined;
  let evaluatedAt = -1;
  const evaluate = async () => {
    evaluatedAt = step;
    final = await evaluateSegmentation(model, test, { batchSize: bs, limit: o.evalLimit });
    const line = {
      step, epoch, seconds: Math.round(elapsed() / 100) / 10, trainLoss: lossCount ? lossSum / lossCount : null,
      testLoss: final.loss, mIoU: final.mIoU, pixelAccuracy: final.pixelAccuracy, perClassIoU: final.perClassIoU,
    };
    fs.appendFileSync(metricsFile, `${JSON.stringify(line)}\n`);
    o.log?.(`step ${step} epoch ${epoch}: train loss ${line.trainLoss?.toFixed(4)} test mIoU ${(final.mIoU * 100).toFixed(2)} pixel acc ${(final.pixelAccuracy * 100).toFixed(2)}`);
    lossSum = 0;
    lossCount = 0;
  };
  model.train();
  try {
    outer: for (; epoch < epochs; epoch++) {
      const order = permutation(train.length, Rng.from(seed, epoch, 1));
      for (let i = 0; i + bs <= order.length; i += bs) {
        const batch = await loadSegBatch(train, Array.from(order.subarray(i, i + bs)), o.transforms ?? [], seed * 1_000_003 + epoch);
        const { value, grads } = tf.variableGrads(() => pixelCrossEntropy(model.forward(batch.x), batch.labels));
        const named = new Map<string, tf.Tensor>();
        for (const [k, g] of Object.entries(grads)) named.set(byVar.get(k) ?? k, g);
        opt.step(named, lr);
        lossSum += value.dataSync()[0];
        lossCount += 1;
        tf.dispose([value, batch.x, ...Object.values(grads)]);
        step += 1;
        if (o.evalEvery && step % o.evalEvery === 0) await evaluate();
        if (elapsed() >= budgetMs) break outer;
      }
    }
    // The last evaluation, unless the loop just made it at this very step.
    if (evaluatedAt !== step) await evaluate();
  } finally {
    model.train(false);
    opt.dispose();
  }
  return { steps: step, epochs: epoch, seconds: elapsed() / 1000, final: final!, metricsFile };
}
