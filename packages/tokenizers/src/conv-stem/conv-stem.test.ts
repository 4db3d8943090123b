import * as path from 'path';
import { createRegistry, readSafetensors, selectBackend, SpecError, tf, TensorMap, loadStateDict } from '@vitkit/core';
import { ConvStem } from './conv-stem';
import { registerConvStem } from './index';
import { fixturePath } from '@vitkit/core/testing';

const DEBUG = fixturePath('debug');
const FIXTURES = fixturePath();

function nhwc(t: { data: Float32Array | ArrayLike<number>; shape: number[] }): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]), [0, 2, 3, 1]));
}

describe.each(['wasm', 'cpu'] as const)('conv-stem tokenizer on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, { quiet: true });
  });

  it.each([
    [0, 48, 12, 24],
    [1, 32, 16, 48],
  ])('branch %i (img %i, patch %i) reproduces the official multi_conv PatchEmbed activations', async (b, imgSize, patchSize, embedDim) => {
    const { tensors } = await readSafetensors(path.join(FIXTURES, 'crossvit_tiny_conv_rand.safetensors'));
    const { tensors: dbg } = await readSafetensors(path.join(DEBUG, 'crossvit_tiny_conv_rand.debug.safetensors'));
    const stem = new ConvStem({ imgSize, patchSize, inChans: 3, embedDim });
    const own: TensorMap = new Map();
    const prefix = `patch_embed.${b}.`;
    for (const [k, v] of tensors) if (k.startsWith(prefix)) own.set(k.slice(prefix.length), v);
    expect([...own.keys()]).toEqual(['proj.0.weight', 'proj.0.bias', 'proj.2.weight', 'proj.2.bias', 'proj.4.weight', 'proj.4.bias']);
    loadStateDict(stem, own, { strict: true });
    const x = nhwc(dbg.get(`__dbg__.patch_embed.${b}.input`)!);
    const want = dbg.get(`__dbg__.patch_embed.${b}`)!;
    const y = stem.forward(x);
    expect(y.shape).toEqual(want.shape);
    expect(stem.numTokens).toBe(want.shape[1]);
    const got = y.dataSync();
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - want.data[i]));
    expect(diff).toBeLessThan(1e-4);
    tf.dispose([x, y]);
    stem.dispose();
  });
});

describe('conv-stem spec', () => {
  it('gives 20×20 tokens for 240/12 and 14×14 for 224/16, the official channel widths', () => {
    const registry = createRegistry({ plugins: [{ name: 'x', register: registerConvStem }] });
    const a = registry.build<ConvStem>('tokenizer', { type: 'conv-stem', imgSize: 240, patchSize: 12, embedDim: 128 });
    const b = registry.build<ConvStem>('tokenizer', { type: 'conv-stem', imgSize: 224, patchSize: 16, embedDim: 256 });
    expect([a.numTokens, b.numTokens]).toEqual([400, 196]);
    expect(a.namedParameters().map(([n, p]) => `${n}:${p.torchShape.join('x')}`)).toEqual([
      'proj.0.weight:32x3x7x7',
      'proj.0.bias:32',
      'proj.2.weight:64x32x3x3',
      'proj.2.bias:64',
      'proj.4.weight:128x64x3x3',
      'proj.4.bias:128',
    ]);
    a.dispose();
    b.dispose();
  });

  it('rejects patch sizes other than 12 and 16 and widths not divisible by 4', () => {
    const registry = createRegistry({ plugins: [{ name: 'x', register: registerConvStem }] });
    expect(() => registry.build('tokenizer', { type: 'conv-stem', imgSize: 64, patchSize: 8, embedDim: 64 }, 'model.tokenizer')).toThrow(SpecError);
    expect(() => registry.build('tokenizer', { type: 'conv-stem', imgSize: 64, patchSize: 8, embedDim: 64 }, 'model.tokenizer')).toThrow(
      /model\.tokenizer\.patchSize: 8 is not supported by the conv stem; allowed: 12, 16/,
    );
    expect(() => registry.build('tokenizer', { type: 'conv-stem', imgSize: 48, patchSize: 12, embedDim: 30 }, 'model.tokenizer')).toThrow(/model\.tokenizer\.embedDim/);
  });
});
