import { tf } from '@vitkit/core';
import type { OptimParam } from '../optim/optimizer';

/** One batch's mean loss, its correct predictions and the gradients by parameter name (the caller disposes them). */
export interface BatchGradients {
  loss: number;
  correct: number;
  grads: Map<string, tf.Tensor>;
}

/** What the tape records for a batch: the loss to differentiate and the correct count beside it. */
export interface BatchObjective {
  loss: tf.Scalar;
  correct: tf.Scalar;
}

/**
 * Runs `objective` (the forward pass and the loss) under the gradient tape and returns the loss, the correct count
 * and the gradients of `params`. A trainable parameter the loss does not depend on has no gradient (tfjs gives null):
 * it is left out, so the optimizer leaves it untouched.
 */
export async function batchGradients(params: readonly OptimParam[], objective: () => BatchObjective): Promise<BatchGradients> {
  const byVariable = new Map(params.map((p) => [p.variable.name, p.name]));
  let correctT: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const r = objective();
    correctT = tf.keep(r.correct);
    return r.loss;
  }, params.map((p) => p.variable));
  const gmap = new Map<string, tf.Tensor>();
  for (const [vn, g] of Object.entries(grads)) if (g) gmap.set(byVariable.get(vn)!, g);
  const [lossArr, correctArr] = await Promise.all([value.data(), correctT!.data()]);
  value.dispose();
  correctT!.dispose();
  return { loss: lossArr[0], correct: correctArr[0], grads: gmap };
}
