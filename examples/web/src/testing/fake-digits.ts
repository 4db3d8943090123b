import type { Digits } from '../train/mnist';

/** Made-up digits: each label's images are a different brightness, so a model can tell them apart. */
export function fakeDigits(count: number): Digits {
  const size = 28;
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  const images = new Uint8Array(count * size * size);
  labels.forEach((label, i) => images.fill(label * 25, i * size * size, (i + 1) * size * size));
  return { count, size, images, labels };
}
