import { tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';

/** A small learnable problem: class c has a bright blob in quadrant c plus noise. */
export function makeBatch(n: number, size: number, classes: number, chans = 3): { x: tf.Tensor4D; y: tf.Tensor2D; labels: number[] } {
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  const data = new Float32Array(n * size * size * chans);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5;
  const half = size / 2;
  labels.forEach((c, b) => {
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++)
        for (let ch = 0; ch < chans; ch++) {
          const inQuad = Math.floor(i / half) * 2 + Math.floor(j / half) === c % 4;
          data[((b * size + i) * size + j) * chans + ch] = (inQuad ? 1 : 0) + 0.3 * rnd();
        }
  });
  return { x: tf.tensor4d(data, [n, size, size, chans]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D, labels };
}

/** Runs `steps` Adam steps; returns the losses and the tensor counts after each step. */
export function train(model: ImageClassifier, x: tf.Tensor4D, y: tf.Tensor2D, steps: number, lr: number): { losses: number[]; counts: number[] } {
  const opt = tf.train.adam(lr);
  const vars = model.trainableVariables();
  const losses: number[] = [];
  const counts: number[] = [];
  model.train();
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar, true, vars);
    losses.push(loss!.dataSync()[0]);
    loss!.dispose();
    counts.push(tf.memory().numTensors);
  }
  opt.dispose();
  return { losses, counts };
}

export function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

