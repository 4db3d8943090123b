import * as tf from '@tensorflow/tfjs';
import { Block, Linear, manualSeed, selectBackend } from '@vitkit/core';
import { describeNative, requireNative, values } from './testing/compare';

/** Losses of 6 Adam steps of a one-block ViT head (LayerNorm, attention, GELU MLP, linear) built from seed 7. */
async function lossesOn(backend: 'native' | 'wasm'): Promise<number[]> {
  await selectBackend(backend, { quiet: true });
  manualSeed(7);
  const block = new Block(24, { numHeads: 2, mlpRatio: 2, qkvBias: true, normEps: 1e-6 });
  const head = new Linear(24, 5);
  const x = tf.tensor(values(4 * 9 * 24, 3), [4, 9, 24]);
  const labels = tf.oneHot(tf.tensor1d([0, 3, 1, 4], 'int32'), 5);
  const opt = tf.train.adam(3e-3);
  const vars = [...block.trainableVariables(), ...head.trainableVariables()];
  const losses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, head.forward(tf.mean(block.forward(x), 1))) as tf.Scalar, true, vars);
    losses.push(cost!.dataSync()[0]);
    cost!.dispose();
  }
  opt.dispose();
  tf.dispose([x, labels]);
  block.dispose();
  head.dispose();
  return losses;
}

describeNative('a short training run', () => {
  beforeAll(requireNative);

  it('gives the same losses on native and wasm from the same seed (float tolerance)', async () => {
    const wasm = await lossesOn('wasm');
    const native = await lossesOn('native');
    expect(wasm[5]).toBeLessThan(wasm[0]); // it does learn
    native.forEach((l, i) => expect(Math.abs(l - wasm[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(wasm[i]))));
  });
});
