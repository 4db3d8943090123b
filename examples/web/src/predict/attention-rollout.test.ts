import { buildModel, tf } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import { appRegistry } from '../registry';
import { TINY_VIT } from '../testing/tiny-models';
import { RolloutProbe } from './attention-rollout';

describe('RolloutProbe', () => {
  let registry: Registry;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registry = appRegistry();
  });

  it('maps the rollout of the recorded forward onto the 4×4 patch grid and leaves no tensor behind', async () => {
    const model = buildModel(registry, TINY_VIT).eval();
    const before = tf.memory().numTensors;
    const probe = RolloutProbe.watch(model);
    tf.dispose(tf.tidy(() => model.forward(tf.randomNormal([1, 16, 16, 3]))));
    const map = await probe.read();
    expect([map.rows, map.cols]).toEqual([4, 4]);
    expect(map.values).toHaveLength(16);
    for (const v of map.values) expect(Number.isFinite(v) && v >= 0).toBe(true);
    expect(map.label).toBe('attention rollout over the blocks');
    probe.release();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('says what it recorded when a model has no transformer blocks', async () => {
    const model = buildModel(registry, { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 4, 8, 8], imgSize: 16, numClasses: 3 }).eval();
    const probe = RolloutProbe.watch(model);
    tf.dispose(tf.tidy(() => model.forward(tf.randomNormal([1, 16, 16, 3]))));
    await expect(probe.read()).rejects.toThrow(/no backbone block attention/);
    probe.release();
    model.dispose();
  });
});
