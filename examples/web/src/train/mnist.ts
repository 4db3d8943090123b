import { parseIdx } from './idx';
import { MNIST_ASSETS } from './mnist-assets';

/** MNIST digits in memory: `count` 28×28 images (row-major bytes, one after another) and their labels 0–9. */
export interface Digits {
  count: number;
  size: number;
  images: Uint8Array;
  labels: Uint8Array;
}

async function fetchBytes(path: string, base: string): Promise<ArrayBuffer> {
  const url = new URL(path, base);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`MNIST digits: ${url} answered HTTP ${response.status} (is the app served by vite, which writes them?)`);
  return response.arrayBuffer();
}

/** The digits the app is served with (see vite/mnist-digits-plugin.ts). */
export async function fetchDigits(base: string): Promise<Digits> {
  const [imageBytes, labelBytes] = await Promise.all([fetchBytes(MNIST_ASSETS.images, base), fetchBytes(MNIST_ASSETS.labels, base)]);
  const images = parseIdx(imageBytes, MNIST_ASSETS.images);
  const labels = parseIdx(labelBytes, MNIST_ASSETS.labels);
  const [count, rows, cols] = images.dims;
  if (images.dims.length !== 3 || rows !== cols) throw new Error(`${MNIST_ASSETS.images}: expected [count, 28, 28] images, got [${images.dims.join(', ')}]`);
  if (labels.dims.length !== 1 || labels.dims[0] !== count) throw new Error(`${MNIST_ASSETS.labels}: ${labels.dims[0]} labels for ${count} images`);
  return { count, size: rows, images: images.data, labels: labels.data };
}
