import { tf } from '@vitkit/core';
import { normalizeInPlace } from '../image';
import { Rng } from '../rng';
import { toSegPair, SegTransform } from './transforms';
import type { SegDataset } from './types';

/** A segmentation batch: normalised NHWC images and the labels of every pixel (`B·H·W`, 255 = ignore). */
export interface SegBatch {
  x: tf.Tensor4D;
  labels: Int32Array;
  /** `[height, width]` of every image and mask in the batch. */
  size: [number, number];
}

/**
 * Reads `indices`, applies `transforms` to each image–mask pair with a per-sample rng drawn from (seed, index),
 * normalises the images with the dataset's stats and stacks them. All samples must come out the same size.
 */
export async function loadSegBatch(ds: SegDataset, indices: readonly number[], transforms: readonly SegTransform[] = [], seed = 0): Promise<SegBatch> {
  const pairs = await Promise.all(
    indices.map(async (i) => {
      const s = await ds.get(i);
      const rng = Rng.from(seed, i);
      return transforms.reduce((p, t) => t.apply(p, rng), toSegPair(s.image, s.mask, ds.shape));
    }),
  );
  const { height: h, width: w, channels: c } = pairs[0].image;
  const x = new Float32Array(pairs.length * h * w * c);
  const labels = new Int32Array(pairs.length * h * w);
  pairs.forEach((p, b) => {
    if (p.image.height !== h || p.image.width !== w) throw new Error(`loadSegBatch: sample ${indices[b]} is ${p.image.height}x${p.image.width}, the batch is ${h}x${w}`);
    const img = p.image.data.slice();
    normalizeInPlace(img, c, ds.stats.mean, ds.stats.std);
    x.set(img, b * h * w * c);
    for (let i = 0; i < h * w; i++) labels[b * h * w + i] = p.mask.data[i];
  });
  return { x: tf.tensor4d(x, [pairs.length, h, w, c]), labels, size: [h, w] };
}
