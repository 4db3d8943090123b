import { buildModel, selectBackend, SpecError, tf } from '@vitkit/core';
import { t2tRegistry } from '../testing';

const BASE = { type: 'deep-narrow', imgSize: 32, numClasses: 10, embedDim: 32, depth: 1, numHeads: 2, mlpRatio: 2 };
const T2T = { type: 't2t', tokenDim: 16 };

function specError(spec: Record<string, unknown>): SpecError {
  const registry = t2tRegistry();
  const before = tf.memory().numTensors;
  try {
    const m = buildModel(registry, spec as { type: string });
    m.dispose();
  } catch (e) {
    expect(tf.memory().numTensors).toBe(before); // nothing half-built is left behind
    if (e instanceof SpecError) return e;
    throw new Error(`expected a SpecError, got ${(e as Error).stack}`);
  }
  throw new Error('expected a SpecError, but the model was built');
}

beforeAll(async () => {
  await selectBackend('wasm', { quiet: true });
});

describe('T2T-ViT spec errors name the option', () => {
  it('unknown T2T attention type', () => {
    const e = specError({ ...BASE, tokenizer: { ...T2T, attention: 'linformer' } });
    expect(e.issues[0].path).toBe('model.tokenizer.attention');
    expect(e.message).toMatch(/"linformer" is not valid; expected one of performer, transformer, convolution/);
  });

  it('image size not divisible by the product of the split strides', () => {
    const e = specError({ ...BASE, imgSize: 30, tokenizer: T2T });
    expect(e.issues[0].path).toBe('model.tokenizer.imgSize');
    expect(e.message).toMatch(/30 is not divisible by the product of the soft-split strides \(4·2·2 = 16\)/);
  });

  it('split sizes that do not shrink the grid exactly by the stride', () => {
    const e = specError({ ...BASE, tokenizer: { ...T2T, paddings: [2, 0, 1] } });
    expect(e.issues[0].path).toBe('model.tokenizer.paddings[1]');
    expect(e.message).toMatch(/soft split 1 \(kernel 3, stride 2, padding 0\) maps a 8×8 grid to 3×3, expected 4×4.*padding 1 would give 4/);
  });

  it('a non-square image (non-square token grid) is rejected', () => {
    const e = specError({ ...BASE, tokenizer: { ...T2T, imgSize: [32, 48] } });
    expect(e.issues[0].path).toBe('model.tokenizer.imgSize');
    expect(e.message).toMatch(/non-square token grid/);
  });

  it('kernelSizes / strides / paddings of different lengths', () => {
    const e = specError({ ...BASE, tokenizer: { ...T2T, strides: [4, 2] } });
    expect(e.issues[0].path).toBe('model.tokenizer.strides');
    expect(e.message).toMatch(/same length/);
  });

  it('a split entry of the wrong type carries its index', () => {
    const e = specError({ ...BASE, tokenizer: { ...T2T, kernelSizes: [7, 'x', 3] } });
    expect(e.issues[0].path).toBe('model.tokenizer.kernelSizes[1]');
  });

  it('embedDim not divisible by numHeads', () => {
    const e = specError({ ...BASE, numHeads: 3, tokenizer: T2T });
    expect(e.issues[0].path).toBe('model.numHeads');
  });

  it('ghost design with a non-integer MLP ratio', () => {
    const e = specError({ ...BASE, design: 'ghost', mlpRatio: 2.5, tokenizer: T2T });
    expect(e.issues[0].path).toBe('model.mlpRatio');
  });

  it('unknown design and bad qkScale', () => {
    expect(specError({ ...BASE, design: 'mobile', tokenizer: T2T }).issues[0].path).toBe('model.design');
    expect(specError({ ...BASE, qkScale: 'big', tokenizer: T2T }).issues[0].path).toBe('model.qkScale');
  });

  it('tokenizer image size contradicting the backbone', () => {
    const e = specError({ ...BASE, tokenizer: { ...T2T, imgSize: 64 } });
    expect(e.issues[0].path).toBe('model.tokenizer.imgSize');
  });

  it('an input of the wrong size fails with a message naming imgSize', () => {
    const model = buildModel(t2tRegistry(), { ...BASE, tokenizer: T2T });
    expect(() => model.forward(tf.zeros([1, 64, 64, 3]) as tf.Tensor4D)).toThrow(/64×64×3 .*built for imgSize 32/);
    model.dispose();
  });
});
