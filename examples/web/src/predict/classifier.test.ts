import { buildModel, IMAGENET_CLASSES, serializeSafetensors, stateDict, tf } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import { appRegistry } from '../registry';
import { TINY_VIT } from '../testing/tiny-models';
import { loadClassifier } from './classifier';

describe('loadClassifier', () => {
  let registry: Registry;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registry = appRegistry();
  });

  it('loads safetensors bytes into the spec model: it then computes what the saved model computes', async () => {
    const saved = buildModel(registry, TINY_VIT).eval();
    const bytes = serializeSafetensors(stateDict(saved));
    const x = tf.randomNormal<tf.Rank.R4>([1, 16, 16, 3]);
    const loaded = await loadClassifier(registry, { kind: 'spec', spec: TINY_VIT }, bytes);
    const [expected, actual] = tf.tidy(() => [saved.forward(x), loaded.model.forward(x)]);
    expect(Array.from(await actual.data())).toEqual(Array.from(await expected.data()));
    expect(loaded.weights).toBe('the given bytes (safetensors)');
    // Not an ImageNet model, no official transform: timm's default at the model's size, classes by index.
    expect(loaded.transform).toMatchObject({ crop: 16, resize: 18, interpolation: 'bicubic' });
    expect(loaded.classNames).toEqual([]);
    tf.dispose([x, expected, actual]);
    saved.dispose();
    loaded.model.dispose();
  });

  it('keeps the random initialisation without weights, and uses a published preset’s eval transform and classes', async () => {
    const loaded = await loadClassifier(registry, { kind: 'preset', preset: 't2t_vit_7' }, null);
    expect(loaded.weights).toBe('none: random initialisation');
    expect(loaded.transform).toEqual(registry.preset('t2t_vit_7')?.pretrained?.eval);
    expect(loaded.classNames).toBe(IMAGENET_CLASSES);
    loaded.model.dispose();
  });

  it('rejects weights that do not fit, naming their source, and frees the model it built', async () => {
    const other = buildModel(registry, { ...TINY_VIT, embedDim: 8 });
    const bytes = serializeSafetensors(stateDict(other));
    other.dispose();
    const before = tf.memory().numTensors;
    await expect(loadClassifier(registry, { kind: 'spec', spec: TINY_VIT }, bytes)).rejects.toThrow('the given bytes');
    expect(tf.memory().numTensors).toBe(before);
  });
});
