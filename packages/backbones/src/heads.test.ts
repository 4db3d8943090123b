import { createRegistry, buildModel, Linear, s, tf } from '@vitkit/core';
import type { ComponentDefinition, Head, ImageClassifier } from '@vitkit/core';
import { useBackend } from '@vitkit/core/testing';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as backbones } from './plugin';

/** A third-party head: Linear with a fixed temperature, registered under kind `head`. */
const scaledHead: ComponentDefinition<{ inFeatures: number; numClasses: number; temperature: number }, Head> = {
  kind: 'head',
  name: 'scaled-linear',
  owner: 'vitkit-plugin-scaled-head',
  description: 'Linear head divided by a temperature',
  options: s.object({ inFeatures: s.int({ min: 1 }), numClasses: s.int({ min: 1 }), temperature: s.default(s.number({ gt: 0 }), 2) }),
  example: { inFeatures: 4, numClasses: 2 },
  create: (o) => {
    const linear = new Linear(o.inFeatures, o.numClasses);
    const forward = linear.forward.bind(linear);
    linear.forward = (x) => tf.tidy(() => tf.div(forward(x), o.temperature));
    return linear;
  },
};

function registry() {
  const r = createRegistry({ plugins: [tokenizers, fusion, backbones] });
  r.register(scaledHead);
  return r;
}

const VIT = { type: 'vit', imgSize: 16, numClasses: 5, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 4 } };
const CROSSVIT = { type: 'dual-branch', imgSize: [24, 16], patchSize: [6, 8], numClasses: 5, embedDim: [16, 32], depth: [[1, 1, 0]], numHeads: [2, 2], mlpRatio: [2, 2] };

function names(m: ImageClassifier, prefix: string): string[] {
  return m.namedParameters().map(([n]) => n).filter((n) => n.startsWith(prefix));
}

describe('heads are registered components chosen by the spec', () => {
  beforeAll(() => useBackend('cpu'));

  it('every backbone mounts its default head under the reference names', () => {
    const r = registry();
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [VIT, ['head.weight', 'head.bias']],
      [CROSSVIT, ['head.0.weight', 'head.0.bias', 'head.1.weight', 'head.1.bias']],
      [{ type: 'resnet', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16], imgSize: 32, numClasses: 5 }, ['fc.weight', 'fc.bias']],
    ];
    for (const [spec, want] of cases) {
      const m = buildModel(r, spec as { type: string });
      expect([...names(m, 'head'), ...names(m, 'fc')]).toEqual(want);
      // the head is the last module, as in the reference state dicts
      expect(m.namedParameters().slice(-want.length).map(([n]) => n)).toEqual(want);
      m.dispose();
    }
  });

  it('a spec picks another head, its options validated at the head path; logits are the head applied to the pooled features', () => {
    const r = registry();
    const m = buildModel(r, { ...VIT, head: { type: 'scaled-linear', temperature: 4 } }) as ImageClassifier & { forwardPreLogits(x: tf.Tensor4D): tf.Tensor2D[]; heads: Head[] };
    expect(names(m, 'head')).toEqual(['head.weight', 'head.bias']);
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const diff = tf.tidy(() => {
      const [f] = m.eval().forwardPreLogits(x);
      const w = m.namedParameters().find(([n]) => n === 'head.weight')![1].variable;
      const b = m.namedParameters().find(([n]) => n === 'head.bias')![1].variable;
      const want = tf.div(tf.add(tf.matMul(f, w), b), 4);
      return tf.max(tf.abs(tf.sub(m.forward(x), want))).dataSync()[0];
    });
    expect(diff).toBeLessThan(1e-6);
    m.dispose();
    expect(() => buildModel(r, { ...VIT, head: { type: 'scaled-linear', temperature: 0 } })).toThrow('model.head.temperature: 0 is not valid; expected a number > 0');
    expect(() => buildModel(r, { ...VIT, head: 'mlp' })).toThrow('model.head.type: "mlp" is not registered as a head; registered: linear, scaled-linear');
  });

  it('CrossViT builds one head per branch from the same spec', () => {
    const m = buildModel(registry(), { ...CROSSVIT, head: { type: 'linear', init: 'torch' } });
    expect(names(m, 'head').length).toBe(4);
    m.dispose();
  });

  it('resetClassifier rebuilds the spec head for any backbone, same names, nothing leaked', () => {
    const r = registry();
    for (const spec of [VIT, CROSSVIT]) {
      const m = buildModel(r, spec as { type: string });
      const before = tf.memory().numTensors;
      m.resetClassifier!(3);
      expect(tf.memory().numTensors).toBe(before);
      expect(m.config.numClasses).toBe(3);
      const [h, w] = m.config.inputSize;
      const y = m.eval().forward(tf.zeros([1, h, w, 3]) as tf.Tensor4D);
      expect(y.shape).toEqual([1, 3]);
      y.dispose();
      expect(() => m.resetClassifier!(-1)).toThrow('resetClassifier: numClasses must be an integer >= 0, got -1');
      m.dispose();
    }
  });
});
