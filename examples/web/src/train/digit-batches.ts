import { InMemoryBatches } from '@vitkit/trainer';
import type { Digits } from './mnist';
import { MNIST_MEAN, MNIST_STD } from './tiny-t2t';

/** The digits as normalised `[count, size, size, 1]` pixels, what the trainer's in-memory batches take. */
function normalised(digits: Digits): Float32Array {
  const x = new Float32Array(digits.images.length);
  for (let i = 0; i < x.length; i++) x[i] = (digits.images[i] / 255 - MNIST_MEAN) / MNIST_STD;
  return x;
}

/** The digits as the trainer's in-memory batches of 10 classes; `shuffleSeed` reorders them each epoch. */
export function digitBatches(digits: Digits, batchSize: number, shuffleSeed?: number): InMemoryBatches {
  return new InMemoryBatches({ images: normalised(digits), shape: [digits.size, digits.size, 1], labels: digits.labels, numClasses: 10 }, { batchSize, shuffleSeed });
}

/** The first `count - heldOut` digits to train on and the last `heldOut` to measure accuracy on, never trained on. */
export function splitDigits(digits: Digits, heldOut: number): { train: Digits; test: Digits } {
  if (!Number.isInteger(heldOut) || heldOut < 1 || heldOut >= digits.count) {
    throw new RangeError(`splitDigits: cannot hold out ${heldOut} of ${digits.count} digits (an integer in [1, ${digits.count - 1}])`);
  }
  const cut = digits.count - heldOut;
  const pixels = digits.size * digits.size;
  const part = (from: number, to: number): Digits => ({
    count: to - from,
    size: digits.size,
    images: digits.images.subarray(from * pixels, to * pixels),
    labels: digits.labels.subarray(from, to),
  });
  return { train: part(0, cut), test: part(cut, digits.count) };
}
