import { buildModel, createRegistry, ImageClassifier, manualSeed, Registry, selectBackend, tf } from '@vitkit/core';
import { registerPatch } from '../../tokenizers/src/patch';
import { registerConvStem } from '../../tokenizers/src/conv-stem';
import { registerDualBranch } from '../../backbones/src/dual-branch';
import { plugin as fusionPlugin } from './index';

/** A registry with the patch and conv-stem tokenizers, the dual-branch backbone and the fusions. */
function testRegistry(): Registry {
  return createRegistry({
    plugins: [
      {
        name: 'x-test',
        register: (r) => {
          registerPatch(r);
          registerConvStem(r);
          registerDualBranch(r);
          fusionPlugin.register(r);
          r.registerPreset({
            name: 'x_tiny_dual',
            owner: 'x-test',
            description: 'tiny two-branch model for tests',
            spec: tinySpec('cross-attention'),
            referenceInput: [3, 24, 24],
          });
        },
      },
    ],
  });
}

/** Tiny dual-branch spec: 24 px input, branches 24/6 (16 patches) and 16/8 (4 patches, bicubic-resized input). */
function tinySpec(fusion: unknown, extra: Record<string, unknown> = {}): { type: string } & Record<string, unknown> {
  return {
    type: 'dual-branch',
    imgSize: [24, 16],
    patchSize: [6, 8],
    numClasses: 4,
    embedDim: [16, 32],
    depth: [
      [1, 1, 0],
      [1, 1, 0],
    ],
    numHeads: [2, 2],
    mlpRatio: [2, 2],
    fusion,
    ...extra,
  };
}

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
