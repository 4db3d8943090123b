import { tf } from '@vitkit/core';
import type { BatchSource } from './batch-source';
import { correctPredictions } from '../loss/correct-predictions';
import type { LossFn } from '../loss/losses';
import { clipGradNorm } from '../optim/clip';
import type { Optimizer, OptimParam } from '../optim/optimizer';
import type { LrSchedule } from '../optim/schedule';
import type { TrainableModel } from '../task/trainable';
import { batchGradients } from './batch-gradients';
import type { BatchGradients } from './batch-gradients';
import type { StepStats } from './hooks';

export interface FitBatchesOptions {
  /** Trained in place; put in training mode (dropout on) for the run. */
  model: TrainableModel;
  /** The parameters `optimizer` updates (`trainableParams(model)`). */
  params: readonly OptimParam[];
  optimizer: Optimizer;
  schedule: LrSchedule;
  loss: LossFn;
  /** Classification batches (`y`: the soft targets) repeated epoch after epoch until `steps` are done. */
  data: BatchSource;
  steps: number;
  /** `torch.nn.utils.clip_grad_norm_`'s max norm; omitted = no clipping. */
  clipGradNorm?: number;
  /** Asked before each step: true ends the run there (a page's Stop button); `steps` of the result says how many ran. */
  shouldStop?: () => boolean;
  /** Told after each step, e.g. to draw a curve; awaited, so a page can yield to the renderer. */
  onStep?: (step: number, stats: StepStats & { lr: number }) => void | Promise<void>;
}

export interface FitBatchesResult {
  steps: number;
  /** The mean loss of each step's batch, in order. */
  losses: number[];
}

/**
 * The trainer's step loop without its files: forward and loss under the tape, optional clipping, one optimizer step
 * per batch at the schedule's learning rate. What runs in a browser, where there are no checkpoints, reports or
 * worker threads; `Trainer` (Node) adds those around the same steps.
 */
export async function fitBatches(o: FitBatchesOptions): Promise<FitBatchesResult> {
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new RangeError(`fitBatches: steps must be an integer >= 1, got ${o.steps}`);
  const losses: number[] = [];
  o.model.train(true);
  for (let epoch = 0; losses.length < o.steps; epoch++) {
    const stepsBefore = losses.length;
    if (o.shouldStop?.()) break;
    for await (const batch of o.data.iterate({ epoch, batch: 0 })) {
      if (o.shouldStop?.()) {
        tf.dispose([batch.x, batch.y]);
        break;
      }
      if (!batch.y) throw new Error('fitBatches: a batch has no soft targets `y` (classification batches carry them)');
      const lr = o.schedule.lr(losses.length);
      const labelsT = tf.tensor1d(batch.labels, 'int32');
      let r: BatchGradients;
      try {
        r = await batchGradients(o.params, () => {
          const logits = o.model.forward(batch.x);
          return { loss: o.loss(logits as tf.Tensor2D, { y: batch.y!, labels: batch.labels }), correct: correctPredictions(logits, labelsT) };
        });
      } finally {
        labelsT.dispose();
        batch.x.dispose();
        batch.y.dispose();
      }
      let grads = r.grads;
      if (o.clipGradNorm) {
        const clipped = clipGradNorm(grads, o.clipGradNorm);
        clipped.norm.dispose();
        grads = clipped.grads;
      }
      o.optimizer.step(grads, lr);
      for (const g of grads.values()) g.dispose();
      losses.push(r.loss);
      await o.onStep?.(losses.length, { loss: r.loss, correct: r.correct, count: batch.labels.length, images: batch.labels.length, lr });
      if (losses.length >= o.steps) break;
    }
    if (o.shouldStop?.()) break;
    if (losses.length === stepsBefore) throw new Error(`fitBatches: the data yielded no batch in epoch ${epoch}`);
  }
  return { steps: losses.length, losses };
}
