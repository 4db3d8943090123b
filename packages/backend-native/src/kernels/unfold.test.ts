import * as tf from '@tensorflow/tfjs';
import { canUnfold, unfold } from '@vitkit/core';
import { describeNative, requireNative, values } from '../testing/compare';
import { UNFOLD, UNFOLD_GRAD } from './unfold';

/** Calls `visit(pixel, token value)` for every tap of nn.Unfold(k, s, p) on an NHWC image that reads a pixel. */
function forEachTap([b, h, w, c]: number[], k: number, s: number, p: number, visit: (pixel: number, value: number) => void): number[] {
  const ho = Math.floor((h + 2 * p - k) / s) + 1;
  const wo = Math.floor((w + 2 * p - k) / s) + 1;
  const f = c * k * k;
  for (let n = 0; n < b; n++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let ch = 0; ch < c; ch++)
          for (let ki = 0; ki < k; ki++)
            for (let kj = 0; kj < k; kj++) {
              const y = oy * s - p + ki;
              const xx = ox * s - p + kj;
              if (y >= 0 && y < h && xx >= 0 && xx < w) visit(((n * h + y) * w + xx) * c + ch, ((n * ho + oy) * wo + ox) * f + ch * k * k + ki * k + kj);
            }
  return [b, ho * wo, f];
}

/** PyTorch's nn.Unfold(k, s, p)(x).transpose(1, 2) for NHWC `x`, in plain loops: [B, Ho·Wo, C·k²]. */
function naiveUnfold(x: Float32Array, shape: number[], k: number, s: number, p: number): { data: Float32Array; shape: number[] } {
  const taps: Array<[number, number]> = [];
  const out = forEachTap(shape, k, s, p, (pixel, value) => taps.push([pixel, value]));
  const data = new Float32Array(out.reduce((a, d) => a * d, 1));
  for (const [pixel, value] of taps) data[value] = x[pixel];
  return { data, shape: out };
}

/** The adjoint of naiveUnfold (PyTorch's nn.Fold): d/dx Σ unfold(x)·R. */
function naiveFold(r: Float32Array, shape: number[], k: number, s: number, p: number): Float32Array {
  const dx = new Float32Array(shape.reduce((a, d) => a * d, 1));
  forEachTap(shape, k, s, p, (pixel, value) => (dx[pixel] += r[value]));
  return dx;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describeNative('native unfold (the T2T soft split) against nn.Unfold', () => {
  beforeAll(requireNative);

  it.each([
    { name: "T2T's first split (k 7, s 4, p 2, 3 channels)", shape: [2, 29, 29, 3], k: 7, s: 4, p: 2 },
    { name: "T2T's later splits (k 3, s 2, p 1)", shape: [1, 14, 14, 8], k: 3, s: 2, p: 1 },
    { name: 'odd sizes, no padding, stride 3', shape: [2, 10, 11, 2], k: 4, s: 3, p: 0 },
    { name: 'stride 1 (every pixel in k² patches)', shape: [1, 6, 5, 3], k: 3, s: 1, p: 1 },
  ])('$name: tokens exactly, and the gradient is the fold', async ({ shape, k, s, p }) => {
    await tf.setBackend('native');
    expect(canUnfold()).toBe(true);
    const n = shape.reduce((a, b) => a * b, 1);
    const xv = values(n, 4);
    const want = naiveUnfold(xv, shape, k, s, p);
    const rv = values(want.data.length, 8);
    const { y, dx } = tf.tidy(() => {
      const x = tf.tensor4d(xv, shape as [number, number, number, number]);
      const r = tf.tensor(rv, want.shape);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(unfold(t as tf.Tensor4D, k, s, p), r)))(x);
      const out = unfold(x, k, s, p);
      expect(out.shape).toEqual(want.shape);
      return { y: out.dataSync(), dx: g.dataSync() };
    });
    expect(maxDiff(y, want.data)).toBe(0);
    expect(maxDiff(dx, naiveFold(rv, shape, k, s, p))).toBeLessThan(1e-5);
  });

  it('runs one kernel each way and leaks nothing', async () => {
    await tf.setBackend('native');
    const x = tf.tensor4d(values(2 * 9 * 9 * 3, 2), [2, 9, 9, 3]);
    expect((await tf.profile(() => unfold(x, 3, 2, 1))).kernelNames.filter((k) => k !== '')).toEqual([UNFOLD]); // '': tf.customGrad's wrapper
    const before = tf.memory().numTensors;
    const g = tf.grad((t: tf.Tensor) => tf.sum(unfold(t as tf.Tensor4D, 3, 2, 1)))(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([g, x]);
  });

  it('refuses a bad geometry naming the kernel, and an engine without the kernel names it', async () => {
    await tf.setBackend('native');
    const x = tf.zeros([1, 3, 3, 2]);
    expect(() => tf.engine().runKernel(UNFOLD, { x }, { kernel: 7, stride: 4, padding: 0 })).toThrow(/VitkitUnfold: a 3×3 image is too small for kernel 7, stride 4, padding 0/);
    expect(() => tf.engine().runKernel(UNFOLD, { x }, { kernel: 0, stride: 1, padding: 0 })).toThrow(/VitkitUnfold: kernel and stride must be positive integers/);
    const dy = tf.zeros([1, 4, 5]);
    expect(() => tf.engine().runKernel(UNFOLD_GRAD, { dy }, { kernel: 2, stride: 1, padding: 0, inputShape: [1, 3, 3, 2] })).toThrow(/VitkitUnfoldGrad: dy must be float32 \[1,4,8\], got float32 \[1,4,5\]/);
    await tf.setBackend('cpu');
    expect(canUnfold()).toBe(false);
    expect(() => unfold(x as tf.Tensor4D, 2, 1, 0)).toThrow(/unfold: the cpu engine has no VitkitUnfold kernel/);
    tf.dispose([x, dy]);
  });
});
