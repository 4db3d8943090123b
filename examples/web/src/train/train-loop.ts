import { tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import type { Digits } from './mnist';
import { MNIST_MEAN, MNIST_STD } from './tiny-t2t';

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
}

/** A batch of digits as a normalised `[B, 28, 28, 1]` input and one-hot labels. */
function batchOf(digits: Digits, indices: readonly number[]): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const pixels = digits.size * digits.size;
  const x = new Float32Array(indices.length * pixels);
  indices.forEach((d, i) => {
    for (let p = 0; p < pixels; p++) x[i * pixels + p] = (digits.images[d * pixels + p] / 255 - MNIST_MEAN) / MNIST_STD;
  });
  const labels = tf.tensor1d(indices.map((d) => digits.labels[d]), 'int32');
  const y = tf.oneHot(labels, 10) as tf.Tensor2D;
  labels.dispose();
  return { x: tf.tensor4d(x, [indices.length, digits.size, digits.size, 1]), y };
}

/** Indices 0..n-1 in a random order (Fisher–Yates). */
function shuffled(n: number): number[] {
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Trains `model` on the digits with Adam and cross-entropy, one shuffled pass after another, until `maxSteps` or a
 * stop request; yields to the page between steps so it can draw and take clicks. Every step's tensors are released.
 */
export async function trainOnDigits(model: ImageClassifier, digits: Digits, options: TrainOptions): Promise<number> {
  if (digits.count < options.batchSize) throw new Error(`training: ${digits.count} digits, fewer than one batch of ${options.batchSize}`);
  const optimizer = tf.train.adam(options.learningRate);
  const variables = model.trainableVariables();
  model.train();
  let order: number[] = [];
  let step = 0;
  try {
    while (step < options.maxSteps && !options.stopRequested()) {
      if (order.length < options.batchSize) order = shuffled(digits.count);
      const { x, y } = batchOf(digits, order.splice(0, options.batchSize));
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar, true, variables);
      tf.dispose([x, y]);
      if (!loss) throw new Error('training: the optimizer returned no loss');
      const value = (await loss.data())[0];
      loss.dispose();
      step++;
      options.onStep({ step, loss: value, tensors: tf.memory().numTensors });
      // A frame to draw the step, then a task of its own: on the cpu engine a step holds the page for seconds, and
      // continuing inside the frame would leave clicks (Stop) queued behind the next step.
      await tf.nextFrame();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return step;
  } finally {
    optimizer.dispose();
    model.eval();
  }
}
