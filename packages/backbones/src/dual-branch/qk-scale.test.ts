import * as path from 'path';
import { buildModel, loadStateDict, readSafetensors, selectBackend, tf } from '@vitkit/core';
import { testRegistry } from '../testing';

// Made by tools/fixtures/crossvit_qk_scale.py from the official IBM/CrossViT VisionTransformer with qk_scale=0.7
// (randomised weights); its JSON records the constructor and that giving the branch blocks qk_scale as well moves
// the logits by ~0.7, so a 1e-4 match tells the official placement (cross-attention only) from the other.
const FIXTURE = path.join(__dirname, '__fixtures__', 'crossvit_qk_scale');

const SPEC = {
  type: 'dual-branch',
  imgSize: [24, 16],
  patchSize: [6, 8],
  inChans: 3,
  numClasses: 5,
  embedDim: [16, 32],
  depth: [[1, 1, 1]],
  numHeads: [2, 4],
  mlpRatio: [2, 2],
  qkvBias: true,
  qkScale: 0.7,
  normEps: 1e-6,
  tokenizer: 'patch',
  fusion: 'cross-attention',
};

describe('dual-branch qkScale: as the official MultiScaleBlock (cross-attention only)', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it('reproduces the official logits with qk_scale set, with the official parameter names and count', async () => {
    const { tensors } = await readSafetensors(`${FIXTURE}.safetensors`);
    const model = buildModel(testRegistry(), SPEC as never);
    const names = model.namedParameters().map(([n]) => n);
    const official = [...tensors.keys()].filter((k) => !k.startsWith('__'));
    expect([...names].sort()).toEqual([...official].sort());
    loadStateDict(model, tensors, { strict: true, source: 'crossvit_qk_scale' });
    model.eval();
    const inp = tensors.get('__input__')!;
    const expected = tensors.get('__logits__')!;
    const before = tf.memory().numTensors;
    const diff = tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(inp.data as Float32Array, inp.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;
      const out = model.forward(x);
      expect(out.shape).toEqual(expected.shape);
      return tf.max(tf.abs(tf.sub(out, tf.tensor(expected.data as Float32Array, expected.shape)))).dataSync()[0];
    });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    expect(diff).toBeLessThanOrEqual(1e-4);
  });
});
