import { tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import { AdamW, constantSchedule, crossEntropy, fitBatches, trainableParams } from '@vitkit/trainer';
import { digitBatches } from './digit-batches';
import type { Digits } from './mnist';

export interface StepReport {
  step: number;
  loss: number;
  /** tf.memory().numTensors after the step: flat from the second step on when every step releases its tensors. */
  tensors: number;
}

export interface TrainOptions {
  batchSize: number;
  learningRate: number;
  /** Stops after this many steps unless stopped before. */
  maxSteps: number;
  onStep(report: StepReport): void;
  /** Asked before each step: true ends the run. */
  stopRequested(): boolean;
  /** Seed of the per-epoch shuffle (default 0). */
  seed?: number;
}

/**
 * Trains `model` on the digits with @vitkit/trainer's browser loop (`fitBatches` over `InMemoryBatches`, reshuffled
 * each epoch; AdamW without weight decay, i.e. Adam; cross-entropy), until `maxSteps` or a stop request; yields to
 * the page between steps so it can draw and take clicks. Every step's tensors are released.
 */
export async function trainOnDigits(model: ImageClassifier, digits: Digits, options: TrainOptions): Promise<number> {
  if (digits.count < options.batchSize) throw new Error(`training: ${digits.count} digits, fewer than one batch of ${options.batchSize}`);
  const data = digitBatches(digits, options.batchSize, options.seed ?? 0);
  const params = trainableParams(model);
  const optimizer = new AdamW(params, { weightDecay: 0 });
  try {
    const { steps } = await fitBatches({
      model,
      params,
      optimizer,
      schedule: constantSchedule({ baseLr: options.learningRate }),
      loss: crossEntropy(),
      data,
      steps: options.maxSteps,
      shouldStop: options.stopRequested,
      onStep: async (step, stats) => {
        options.onStep({ step, loss: stats.loss, tensors: tf.memory().numTensors });
        // A frame to draw the step, then a task of its own: on the cpu engine a step holds the page for seconds, and
        // continuing inside the frame would leave clicks (Stop) queued behind the next step.
        await tf.nextFrame();
        await new Promise((resolve) => setTimeout(resolve, 0));
      },
    });
    return steps;
  } finally {
    optimizer.dispose();
    model.eval();
  }
}
