import { imageToInput, tf } from '@vitkit/core';
import type { ImageSource } from '@vitkit/core';
import type { LoadedClassifier } from './classifier';
import { topK } from './top-k';
import type { RankedClass } from './top-k';

export interface Classification {
  top: RankedClass[];
  /** Milliseconds; each phase waits for its result to be read back, so queued GPU work is counted where it runs. */
  preprocessMs: number;
  forwardMs: number;
}

/** The top-`k` classes of one image: the eval transform, a forward pass and a softmax; every tensor is released. */
export async function classifyImage(classifier: LoadedClassifier, image: ImageSource, k: number): Promise<Classification> {
  const t0 = performance.now();
  const input = imageToInput(image, classifier.transform);
  try {
    await input.data();
    const t1 = performance.now();
    const probabilities = tf.tidy(() => tf.softmax(classifier.model.forward(input)));
    const values = await probabilities.data();
    probabilities.dispose();
    const t2 = performance.now();
    return { top: topK(values, k, classifier.classNames), preprocessMs: t1 - t0, forwardMs: t2 - t1 };
  } finally {
    input.dispose();
  }
}
