import { buildModel, ImageClassifier, manualSeed, selectBackend, tf } from '@vitkit/core';
import { testRegistry, tinySpec } from './testing';



/**
 * Trains `model` with Adam on a fixed batch (memorisation) and returns the losses. Checks that the number
 * of live tensors does not grow after the first step.
 */
function trainSteps(model: ImageClassifier, steps: number, batch = 8, lr = 3e-3): { losses: number[]; tensorGrowth: number } {
  manualSeed(1);
  const [h, w] = model.config.inputSize;
  const x = tf.randomNormal([batch, h, w, model.config.inChans], 0, 1, 'float32', 7) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % model.config.numClasses), 'int32'), model.config.numClasses);
  const opt = tf.train.adam(lr);
  const vars = model.trainableVariables();
  model.train();
  const losses: number[] = [];
  let after1 = 0;
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x)) as tf.Scalar, true, vars)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    if (s === 0) after1 = tf.memory().numTensors;
  }
  const tensorGrowth = tf.memory().numTensors - after1;
  opt.dispose();
  x.dispose();
  labels.dispose();
  return { losses, tensorGrowth };
}


const FUSIONS = ['cross-attention', 'all-attention', 'class-token', 'pairwise'];

// cpu is ~30x slower than wasm: fewer steps on a smaller batch there.
describe.each([
  ['wasm', 30],
  ['cpu', 8],
] as const)('every fusion trains a tiny dual-branch model on %s', (backend, steps) => {
  beforeAll(async () => {
    await selectBackend(backend, { quiet: true });
  });

  it.each(FUSIONS)(`%s: loss falls over ${steps} Adam steps, no tensor leak`, (fusion) => {
    const registry = testRegistry();
    const model = buildModel(registry, tinySpec(fusion));
    const { losses, tensorGrowth } = trainSteps(model, steps, backend === 'wasm' ? 8 : 4);
    model.dispose();
    const first = losses[0];
    const last = losses[losses.length - 1];
    console.log(`${backend} ${fusion}: loss ${first.toFixed(4)} → ${last.toFixed(4)}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(last).toBeLessThan(first * (backend === 'wasm' ? 0.7 : 0.9));
    expect(tensorGrowth).toBe(0);
  });
});
