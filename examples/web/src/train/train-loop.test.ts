import { buildModel, tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import { appRegistry } from '../registry';
import { TINY_DIGIT_VIT } from '../testing/tiny-models';
import { fakeDigits } from '../testing/fake-digits';
import { trainOnDigits } from './train-loop';
import type { StepReport } from './train-loop';

describe('trainOnDigits', () => {
  let model: ImageClassifier;
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(() => {
    model = buildModel(appRegistry(), TINY_DIGIT_VIT);
  });
  afterEach(() => model.dispose());

  it('reports every step and releases each step’s tensors and, at the end, the optimizer’s', async () => {
    const before = tf.memory().numTensors;
    const reports: StepReport[] = [];
    const steps = await trainOnDigits(model, fakeDigits(40), { batchSize: 8, learningRate: 1e-3, maxSteps: 4, onStep: (r) => reports.push(r), stopRequested: () => false });
    expect(steps).toBe(4);
    expect(reports.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    for (const r of reports) expect(Number.isFinite(r.loss)).toBe(true);
    // Adam's moments appear at the first step; after that the count holds still.
    expect(new Set(reports.map((r) => r.tensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.training).toBe(false);
  });

  it('changes the weights', async () => {
    const weightsOf = () => model.trainableVariables().map((v) => Array.from(v.dataSync()));
    const start = weightsOf();
    await trainOnDigits(model, fakeDigits(16), { batchSize: 8, learningRate: 1e-2, maxSteps: 1, onStep: () => undefined, stopRequested: () => false });
    expect(weightsOf()).not.toEqual(start);
  });

  it('stops when asked, before the next step', async () => {
    let reports = 0;
    const steps = await trainOnDigits(model, fakeDigits(16), {
      batchSize: 8,
      learningRate: 1e-3,
      maxSteps: 100,
      onStep: () => reports++,
      stopRequested: () => reports >= 2,
    });
    expect(steps).toBe(2);
  });

  it('refuses fewer digits than one batch', async () => {
    await expect(trainOnDigits(model, fakeDigits(4), { batchSize: 8, learningRate: 1e-3, maxSteps: 1, onStep: () => undefined, stopRequested: () => false })).rejects.toThrow(
      'training: 4 digits, fewer than one batch of 8',
    );
  });
});
