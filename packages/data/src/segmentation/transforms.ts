import { crop, cropResizeBilinear, cropResizeNearest, flipHorizontal, HostImage, makeImage, sizePair } from '../image';
import type { Rng } from '../rng';
import { IGNORE_INDEX } from './types';

/** An image and its mask (a one-channel HostImage of label values) that must stay aligned. */
export interface SegPair {
  image: HostImage;
  mask: HostImage;
}

/** A segmentation-aware augmentation: every geometric change is applied identically to image and mask. */
export interface SegTransform {
  readonly name: string;
  apply(pair: SegPair, rng: Rng): SegPair;
}

function checkPair({ image, mask }: SegPair): void {
  if (mask.channels !== 1 || mask.height !== image.height || mask.width !== image.width) {
    throw new Error(`segmentation transform: mask ${mask.height}x${mask.width}x${mask.channels} does not match image ${image.height}x${image.width}`);
  }
}

/**
 * The same random `size` window of image and mask, after padding both by `padding` (image with 0, mask with 255 so
 * the padding is ignored by loss and metrics).
 */
export function segRandomCrop(size: number | [number, number], padding = 0): SegTransform {
  const [h, w] = sizePair(size);
  return {
    name: 'seg-random-crop',
    apply(pair, rng) {
      checkPair(pair);
      const { image, mask } = pair;
      const maxTop = image.height + 2 * padding - h;
      const maxLeft = image.width + 2 * padding - w;
      if (maxTop < 0 || maxLeft < 0) throw new Error(`seg-random-crop: ${h}x${w} does not fit in ${image.height}x${image.width} padded by ${padding}`);
      const top = rng.int(0, maxTop + 1) - padding;
      const left = rng.int(0, maxLeft + 1) - padding;
      return { image: crop(image, top, left, h, w, [0]), mask: crop(mask, top, left, h, w, [IGNORE_INDEX]) };
    },
  };
}

/** Mirrors image and mask together with probability `p`. */
export function segRandomHorizontalFlip(p = 0.5): SegTransform {
  return {
    name: 'seg-random-horizontal-flip',
    apply(pair, rng) {
      checkPair(pair);
      return rng.random() < p ? { image: flipHorizontal(pair.image), mask: flipHorizontal(pair.mask) } : pair;
    },
  };
}

/** Resizes the image bilinearly and the mask with nearest neighbour (labels are never blended into new values). */
export function segResize(size: number | [number, number]): SegTransform {
  const [h, w] = sizePair(size);
  return {
    name: 'seg-resize',
    apply(pair) {
      checkPair(pair);
      const { image, mask } = pair;
      return {
        image: cropResizeBilinear(image, 0, 0, image.height, image.width, h, w),
        mask: cropResizeNearest(mask, 0, 0, mask.height, mask.width, h, w),
      };
    },
  };
}

/** The pair as host images (mask labels as floats, exact for 0…255). */
export function toSegPair(image: Float32Array, mask: Uint8Array, shape: readonly [number, number, number]): SegPair {
  const [h, w, c] = shape;
  return { image: makeImage(h, w, c, image), mask: makeImage(h, w, 1, Float32Array.from(mask)) };
}
