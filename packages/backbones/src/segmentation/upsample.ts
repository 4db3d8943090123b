import { Layer, tf } from '@vitkit/core';

/**
 * Source rows of PyTorch's align_corners=False interpolation from `n` to `m`: lower index, upper index, weight of the
 * upper. Exported so that exporters (ONNX) gather the same rows.
 */
export function bilinearTaps(n: number, m: number): { lo: number[]; hi: number[]; frac: number[] } {
  const lo: number[] = [];
  const hi: number[] = [];
  const frac: number[] = [];
  for (let i = 0; i < m; i++) {
    const src = Math.max(0, ((i + 0.5) * n) / m - 0.5);
    const i0 = Math.min(Math.floor(src), n - 1);
    lo.push(i0);
    hi.push(Math.min(i0 + 1, n - 1));
    frac.push(src - i0);
  }
  return { lo, hi, frac };
}

function lerpAxis(x: tf.Tensor4D, axis: 1 | 2, m: number): tf.Tensor4D {
  const n = x.shape[axis];
  if (n === m) return x;
  const { lo, hi, frac } = bilinearTaps(n, m);
  const shape = axis === 1 ? [1, m, 1, 1] : [1, 1, m, 1];
  const f = tf.tensor(frac, shape);
  const a = tf.gather(x, lo, axis);
  const b = tf.gather(x, hi, axis);
  return tf.add(a, tf.mul(tf.sub(b, a), f));
}

/**
 * PyTorch `F.interpolate(x, size, mode="bilinear", align_corners=False)` on NHWC, separable, as gathers and a lerp
 * per axis. Written out because tfjs' ResizeBilinearGrad ignores `halfPixelCenters` (its gradient is that of the
 * align-corners-free legacy resize, not of the forward it pairs with); gathers differentiate exactly.
 */
export function resizeBilinear(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  return tf.tidy(() => lerpAxis(lerpAxis(x, 1, size[0]), 2, size[1]).clone());
}

/** Source indices of PyTorch's nearest interpolation from `n` to `m`: `floor(i · n / m)` (exported for exporters). */
export function nearestTaps(n: number, m: number): number[] {
  return Array.from({ length: m }, (_, i) => Math.min(Math.floor((i * n) / m), n - 1));
}

/**
 * PyTorch `F.interpolate(x, size, mode="nearest")` on NHWC, as one gather per axis. Written out because tfjs'
 * ResizeNearestNeighborGrad on the cpu backend mixes the images of a batch (its gradient is wrong for batch > 1);
 * gathers differentiate exactly on every backend.
 */
export function resizeNearest(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.tidy(() => {
    const rows = h === size[0] ? x : tf.gather(x, nearestTaps(h, size[0]), 1);
    return (w === size[1] ? rows : tf.gather(rows, nearestTaps(w, size[1]), 2)).clone();
  });
}

/** `nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)`: parameter-free, keeps its index in a Sequential. */
export class Upsample2x extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    const [, h, w] = x.shape as [number, number, number, number];
    return resizeBilinear(x as tf.Tensor4D, [2 * h, 2 * w]);
  }
}

/** `log2(stride)` as the level's name suffix (Detectron2: `p2` … `p5`, `fpn_lateral2` …); strides must be powers of 2. */
export function levelName(stride: number, path: string): number {
  const l = Math.log2(stride);
  if (!Number.isInteger(l) || l < 0) throw new Error(`${path}: feature stride ${stride} is not a power of 2`);
  return l;
}
