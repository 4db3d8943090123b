import { buildModel, loadStateDict, stateDict, tf } from '@vitkit/core';
import type { ImageClassifier, Registry } from '@vitkit/core';
import { appRegistry } from '../registry';
import { TINY_VIT } from '../testing/tiny-models';
import { ClassTokenAttention } from './class-token-attention';

/** The model with its last block's qkv projection set to zero: q = k = 0, so every token gets the same attention. */
function withZeroQkv(model: ImageClassifier): ImageClassifier {
  const zeroed = new Map([...stateDict(model)].map(([name, t]) => [name, name.includes('.attn.qkv.') ? { ...t, data: new Float32Array(t.data.length) } : t]));
  loadStateDict(model, zeroed);
  return model;
}

describe('ClassTokenAttention', () => {
  let registry: Registry;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registry = appRegistry();
  });

  it("maps the last block's class-token attention onto the patch grid", async () => {
    const model = withZeroQkv(buildModel(registry, TINY_VIT).eval());
    const probe = ClassTokenAttention.watch(model);
    expect(probe?.module).toBe('blocks.0.attn');
    tf.dispose(tf.tidy(() => model.forward(tf.randomNormal([1, 16, 16, 3]))));
    const map = await probe!.read();
    expect(map.grid).toBe(4);
    // 16 patches and the class token, all equally attended.
    for (const v of map.values) expect(v).toBeCloseTo(1 / 17, 6);
    probe!.release();
    model.dispose();
  });

  it('gives probabilities of an untrained model that sum to at most 1, and leaves no tensor behind', async () => {
    const model = buildModel(registry, TINY_VIT).eval();
    const before = tf.memory().numTensors;
    const probe = ClassTokenAttention.watch(model)!;
    tf.dispose(tf.tidy(() => model.forward(tf.randomNormal([1, 16, 16, 3]))));
    const map = await probe.read();
    const total = map.values.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(1);
    probe.release();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("restores the module's own forward on release", () => {
    const model = buildModel(registry, TINY_VIT).eval();
    const probe = ClassTokenAttention.watch(model)!;
    const attention = model.namedModules().find(([name]) => name === 'blocks.0.attn')![1] as unknown as { forward: unknown };
    expect(Object.prototype.hasOwnProperty.call(attention, 'forward')).toBe(true);
    probe.release();
    expect(Object.prototype.hasOwnProperty.call(attention, 'forward')).toBe(false);
    model.dispose();
  });

  it('says when no forward has run, and finds nothing to watch in a model without self-attention', async () => {
    const model = buildModel(registry, TINY_VIT).eval();
    const probe = ClassTokenAttention.watch(model)!;
    await expect(probe.read()).rejects.toThrow('blocks.0.attn: no forward pass has run yet');
    probe.release();
    model.dispose();
    const resnet = buildModel(registry, { type: 'resnet', ...(registry.get('backbone', 'resnet').example as Record<string, unknown>) });
    expect(ClassTokenAttention.watch(resnet)).toBeNull();
    resnet.dispose();
  });
});
