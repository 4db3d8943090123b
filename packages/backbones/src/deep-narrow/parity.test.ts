import { promises as fs } from 'fs';
import * as path from 'path';
import * as os from 'os';
import { buildModel, LayerNorm, loadStateDict, readSafetensors, runForward, selectBackend, tf } from '@vitkit/core';
import { TEST_BACKENDS } from '@vitkit/core/testing';
import { DeepNarrowViT } from './index';
import { FIXTURES, fixtureSpec, t2tRegistry } from '../testing';

const ALL = [
  't2t_tiny_performer',
  't2t_tiny_performer_rand',
  't2t_tiny_performer_qkscale',
  't2t_tiny_performer_qkscale_rand',
  't2t_tiny_transformer',
  't2t_tiny_transformer_rand',
];

async function parity(name: string): Promise<number> {
  const meta = JSON.parse(await fs.readFile(path.join(FIXTURES, `${name}.json`), 'utf8')) as { constructor: string };
  const spec = fixtureSpec(meta.constructor);
  const { tensors } = await readSafetensors(path.join(FIXTURES, `${name}.safetensors`));
  const registry = t2tRegistry();
  const before = tf.memory().numTensors;
  const model = buildModel(registry, spec);
  try {
    loadStateDict(model, tensors, { strict: true, source: name });
    model.eval();
    const input = tensors.get('__input__')!;
    const want = tensors.get('__logits__')!;
    const diff = tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;
      const logits = model.forward(x);
      expect(logits.shape).toEqual(want.shape);
      return tf.max(tf.abs(tf.sub(logits, tf.tensor(want.data, want.shape)))).dataSync()[0];
    });
    return diff;
  } finally {
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }
}

// every fixture on the engines users run (wasm, and native where its addon is built); cpu, the slow reference, below
describe.each(TEST_BACKENDS.filter((b) => b !== 'cpu'))('T2T-ViT parity with the official PyTorch fixtures (%s)', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, { quiet: true });
  });

  it.each(ALL)('%s reproduces __logits__ to 1e-4 (strict load by name)', async (name) => {
    const diff = await parity(name);
    console.log(`${backend} ${name}: max|logits - __logits__| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it.each(ALL)('%s through runForward (`vitkit forward`: given registry, spec object, strict load, __logits__ written)', async (name) => {
    const meta = JSON.parse(await fs.readFile(path.join(FIXTURES, `${name}.json`), 'utf8')) as { constructor: string };
    const file = path.join(FIXTURES, `${name}.safetensors`);
    const out = path.join(os.tmpdir(), `vitkit-t2t-${process.pid}-${name}.safetensors`);
    const res = await runForward({ spec: fixtureSpec(meta.constructor), registry: t2tRegistry(), weights: file, input: file, output: out });
    const want = (await readSafetensors(file)).tensors.get('__logits__')!;
    const written = (await readSafetensors(out)).tensors.get('__logits__')!;
    await fs.unlink(out);
    expect(res.shape).toEqual(want.shape);
    expect(Array.from(written.data)).toEqual(Array.from(res.logits));
    let diff = 0;
    res.logits.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - want.data[i]))));
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('the qkscale fixtures are only reproduced with qkScale = embed_dim^-0.5 (the option matters)', async () => {
    const name = 't2t_tiny_performer_qkscale_rand';
    const meta = JSON.parse(await fs.readFile(path.join(FIXTURES, `${name}.json`), 'utf8')) as { constructor: string };
    const spec = fixtureSpec(meta.constructor);
    expect(spec.qkScale).toBeCloseTo(64 ** -0.5, 12);
    const { tensors } = await readSafetensors(path.join(FIXTURES, `${name}.safetensors`));
    const registry = t2tRegistry();
    const logitsWith = (qkScale: unknown) => {
      const model = buildModel(registry, { ...spec, qkScale });
      loadStateDict(model, tensors);
      model.eval();
      const input = tensors.get('__input__')!;
      const want = tensors.get('__logits__')!;
      const d = tf.tidy(() => {
        const x = tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;
        return tf.max(tf.abs(tf.sub(model.forward(x), tf.tensor(want.data, want.shape)))).dataSync()[0];
      });
      model.dispose();
      return d;
    };
    expect(logitsWith('embed')).toBeLessThanOrEqual(1e-4);
    expect(logitsWith('head')).toBeGreaterThan(1e-2);
  });

  it('every LayerNorm of a built T2T-ViT (blocks, final norm, T2T layers) has eps 1e-5', () => {
    const registry = t2tRegistry();
    for (const attention of ['performer', 'transformer']) {
      const model = buildModel(registry, { type: 'deep-narrow', imgSize: 32, numClasses: 10, embedDim: 32, depth: 2, numHeads: 2, mlpRatio: 2, tokenizer: { type: 't2t', attention, tokenDim: 16 } });
      const norms = model.namedModules().filter(([, m]) => m instanceof LayerNorm) as Array<[string, LayerNorm]>;
      // 2 per T2T layer (×2), 2 per block (×2), final norm
      expect(norms.length).toBe(9);
      for (const [n, m] of norms) expect([n, m.eps]).toEqual([n, 1e-5]);
      model.dispose();
    }
  });
});

describe('T2T-ViT parity on cpu', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
  });
  it('t2t_tiny_performer_rand reproduces __logits__ to 1e-4', async () => {
    const diff = await parity('t2t_tiny_performer_rand');
    console.log(`cpu t2t_tiny_performer_rand: max|diff| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
  });
});

it('DeepNarrowViT is exported for direct use', () => {
  expect(typeof DeepNarrowViT).toBe('function');
});
