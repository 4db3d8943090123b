import * as tf from '@tensorflow/tfjs';
import { describeNative, nativeVsCpu, requireNative } from '../testing/compare';
import * as fs from 'fs';
import { loadAddon } from '../addon';
import { registerNativeBackend } from '../register';

const load = loadAddon();
const oneDnnBuilt = load.ok && load.addon.convLibrary().startsWith('oneDNN');
// Both implementations where the build has oneDNN: the im2col path is what the prebuilt binary runs.
const libraries: Array<[string, boolean]> = oneDnnBuilt ? [['oneDNN', true], ['im2col + OpenBLAS', false]] : [['im2col + OpenBLAS', false]];

describeNative('the from-source build', () => {
  it('runs convolutions through oneDNN wherever its headers and library are installed (libdnnl-dev)', () => {
    const installed = fs.existsSync('/usr/include/dnnl.h') && ['/usr/lib/x86_64-linux-gnu/libdnnl.so', '/usr/lib/aarch64-linux-gnu/libdnnl.so'].some((f) => fs.existsSync(f));
    expect(oneDnnBuilt).toBe(installed);
  });
});

for (const [library, useOneDnn] of libraries) describeNative(`native Conv2D and its gradients against cpu, through ${library}`, () => {
  beforeAll(() => {
    requireNative();
    if (load.ok) expect(load.addon.convLibrary(useOneDnn).startsWith('oneDNN')).toBe(useOneDnn);
  });
  afterAll(() => {
    if (load.ok) load.addon.convLibrary(true);
  });

  // [name, x shape, filter shape, strides, pad, dilation]
  const cases: Array<[string, number[], number[], number, 'same' | 'valid' | number, number]> = [
    ['3×3 stride 1 same', [2, 7, 6, 3], [3, 3, 3, 4], 1, 'same', 1],
    ['3×3 stride 2 same, odd size', [2, 9, 7, 2], [3, 3, 2, 5], 2, 'same', 1],
    ['3×3 stride 2 valid', [1, 8, 8, 3], [3, 3, 3, 4], 2, 'valid', 1],
    ['7×7 stride 2 pad 3 (ResNet stem)', [2, 16, 16, 3], [7, 7, 3, 8], 2, 3, 1],
    ['2×2 stride 2 (patch embedding)', [2, 8, 8, 3], [2, 2, 3, 6], 2, 'valid', 1],
    ['1×1 pointwise (no im2col)', [2, 5, 5, 6], [1, 1, 6, 4], 1, 'valid', 1],
    ['1×1 stride 2', [2, 6, 6, 4], [1, 1, 4, 3], 2, 'valid', 1],
    // oneDNN refuses a negative right padding (the last rows unused): this one runs im2col in both modes
    ['3×3 stride 2 valid, last row unused', [2, 8, 9, 3], [3, 3, 3, 4], 2, 'valid', 1],
    ['ResNet stage shape, channels wide enough for blocked kernels', [2, 6, 6, 32], [3, 3, 32, 48], 1, 'same', 1],
  ];
  it.each(cases)('%s: values and both gradients', async (_n, xShape, fShape, stride, pad, dilation) => {
    const diff = await nativeVsCpu((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad, 'NHWC', dilation), [
      { shape: xShape, seed: 1 },
      { shape: fShape, seed: 2 },
    ]);
    expect(diff).toBeLessThan(1e-5);
  });

  it('dilation 2 (forward; tfjs has no gradient for dilated convs)', async () => {
    const diff = await nativeVsCpu((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2), [
      { shape: [2, 9, 9, 3], seed: 1 },
      { shape: [3, 3, 3, 4], seed: 2 },
    ], false);
    expect(diff).toBeLessThan(1e-5);
  });

  it('tf.fused.conv2d with bias and relu', async () => {
    const diff = await nativeVsCpu((x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }), [
      { shape: [2, 6, 6, 3], seed: 1 },
      { shape: [3, 3, 3, 4], seed: 2 },
      { shape: [4], seed: 3 },
    ]);
    expect(diff).toBeLessThan(1e-5);
  });

  it('a batch larger than one im2col group gives the same result (grouping is invisible)', async () => {
    // 64×64 output, 3×3×64 columns: 2.4 M floats per image, so the gradients' 4 M budget takes one image at a time
    const diff = await nativeVsCpu((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), [
      { shape: [8, 64, 64, 64], seed: 1, scale: 0.1 },
      { shape: [3, 3, 64, 2], seed: 2, scale: 0.1 },
    ], false);
    expect(diff).toBeLessThan(1e-5);
  });

  describe.each([1, 3])('forward tiles at %i thread(s)', (threads) => {
    beforeAll(() => registerNativeBackend({ threads }));
    afterAll(() => registerNativeBackend({ threads: 2 }));

    it('tiles that start and end inside images, and a short last tile, give the cpu result', async () => {
      // 3×3×32 columns: 288 floats a row, so a 1 MiB tile is 896 output pixels; an image has 29·31 = 899, so every
      // tile boundary falls inside an image, and 3 images make 3 full tiles and one of 9 rows
      const diff = await nativeVsCpu((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), [
        { shape: [3, 29, 31, 32], seed: 3, scale: 0.5 },
        { shape: [3, 3, 32, 5], seed: 4, scale: 0.5 },
      ], false);
      expect(diff).toBeLessThan(1e-5);
    });

    it('one image smaller than a tile, split so that every thread gets rows', async () => {
      const diff = await nativeVsCpu((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), [
        { shape: [1, 13, 11, 6], seed: 5 },
        { shape: [3, 3, 6, 7], seed: 6 },
      ], false);
      expect(diff).toBeLessThan(1e-5);
    });
  });
});
