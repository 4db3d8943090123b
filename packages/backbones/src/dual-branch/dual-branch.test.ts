import * as path from 'path';
import { TEST_BACKENDS } from '@vitkit/core/testing';
import {
  buildModel,
  loadStateDict,
  readSafetensors,
  runForward,
  selectBackend,
  SpecError,
  tf,
  TensorMap,
} from '@vitkit/core';
import { crossvitFixtureSpec, testRegistry } from '../testing';
import { fixturePath } from '@vitkit/core/testing';

const FIXTURES = fixturePath();

async function readFixture(name: string): Promise<{ tensors: TensorMap; input: tf.Tensor4D; logits: Float32Array; logitsShape: number[] }> {
  const { tensors } = await readSafetensors(path.join(FIXTURES, `${name}.safetensors`));
  const inp = tensors.get('__input__')!;
  const out = tensors.get('__logits__')!;
  const nchw = tf.tensor4d(inp.data as Float32Array, inp.shape as [number, number, number, number]);
  const input = tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D;
  nchw.dispose();
  return { tensors, input, logits: out.data as Float32Array, logitsShape: out.shape };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const NAMES_PARITY = ['crossvit_tiny', 'crossvit_tiny_rand', 'crossvit_tiny_conv', 'crossvit_tiny_conv_rand', 'crossvit_tiny_xattn_seq', 'crossvit_tiny_xattn_seq_rand'];

describe.each(TEST_BACKENDS.filter((b) => b !== 'cpu'))('dual-branch parity with the official CrossViT fixtures on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, { quiet: true });
  });

  it.each(NAMES_PARITY)('%s reproduces __logits__ to 1e-4', async (name) => {
    const registry = testRegistry();
    const model = buildModel(registry, crossvitFixtureSpec(name) as never);
    const { tensors, input, logits, logitsShape } = await readFixture(name);
    loadStateDict(model, tensors, { strict: true, source: name });
    model.eval();
    const before = tf.memory().numTensors;
    const out = model.forward(input);
    expect(out.shape).toEqual(logitsShape);
    const diff = maxAbsDiff(out.dataSync(), logits);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    console.log(`${name}: max |diff| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    input.dispose();
    model.dispose();
  });
});

function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError');
}

describe('dual-branch specs, names and inputs', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it('loads a checkpoint with timm names (pos_embed_0, cls_token_0) and reproduces the logits', async () => {
    const registry = testRegistry();
    const model = buildModel(registry, crossvitFixtureSpec('crossvit_tiny_rand') as never);
    const { tensors, input, logits } = await readFixture('crossvit_tiny_rand');
    const timm: TensorMap = new Map();
    for (const [k, v] of tensors) timm.set(k.replace(/^(pos_embed|cls_token)\.(\d+)$/, '$1_$2'), v);
    expect(timm.has('pos_embed_0') && timm.has('cls_token_1') && !timm.has('pos_embed.0')).toBe(true);
    loadStateDict(model, timm, { strict: true });
    model.eval();
    const out = model.forward(input);
    expect(maxAbsDiff(out.dataSync(), logits)).toBeLessThanOrEqual(1e-4);
    tf.dispose([out, input]);
    model.dispose();
  });

  it('uses the official parameter names', () => {
    const model = buildModel(testRegistry(), crossvitFixtureSpec('crossvit_tiny_xattn_seq') as never);
    const names = model.namedParameters().map(([n]) => n);
    expect(names.slice(0, 8)).toEqual([
      'patch_embed.0.proj.weight',
      'patch_embed.0.proj.bias',
      'patch_embed.1.proj.weight',
      'patch_embed.1.proj.bias',
      'pos_embed.0',
      'pos_embed.1',
      'cls_token.0',
      'cls_token.1',
    ]);
    expect(names).toContain('blocks.0.projs.1.2.weight');
    expect(names).toContain('blocks.0.fusion.0.1.attn.wq.weight');
    expect(names).toContain('blocks.1.fusion.1.0.norm1.bias');
    expect(names).toContain('blocks.1.revert_projs.0.0.weight');
    expect(names.slice(-4)).toEqual(['head.0.weight', 'head.0.bias', 'head.1.weight', 'head.1.bias']);
    model.dispose();
  });

  it('accepts the official *_224 names as preset aliases', () => {
    const registry = testRegistry();
    for (const n of ['tiny', 'small', 'base', '9', '15', '18', '9_dagger', '15_dagger', '18_dagger']) {
      expect(registry.preset(`crossvit_${n}_224`)?.name).toBe(`crossvit_${n}_240`);
      expect(registry.preset(`crossvit_${n}_240`)?.referenceInput).toEqual([3, 240, 240]);
    }
    expect(registry.listModels('crossvit_*')).toHaveLength(10);
    expect(registry.preset('crossvit_18_t2t_240')).toBeDefined();
  });

  it('rejects a branch image size not divisible by its patch size, naming the option', () => {
    const e = specError(() => buildModel(testRegistry(), { ...crossvitFixtureSpec('crossvit_tiny'), imgSize: [48, 36] } as never));
    expect(e.issues[0].path).toBe('model.imgSize[1]');
    expect(e.message).toMatch(/36 is not divisible by patchSize\[1\] = 16/);
  });

  it('rejects mismatched branch counts, naming each option', () => {
    const e = specError(() =>
      buildModel(testRegistry(), { ...crossvitFixtureSpec('crossvit_tiny'), embedDim: [24, 48, 96], mlpRatio: [2, 2, 1], depth: [[1, 2], [1, 2, 0]] } as never),
    );
    const paths = e.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['model.embedDim', 'model.mlpRatio', 'model.depth[0]']));
    expect(e.message).toMatch(/model\.embedDim: has 3 entries but imgSize has 2/);
    expect(e.message).toMatch(/trailing fusion entry is never used/);
    const t = specError(() => buildModel(testRegistry(), { ...crossvitFixtureSpec('crossvit_tiny'), tokenizer: ['patch'] } as never));
    expect(t.issues[0].path).toBe('model.tokenizer');
  });

  it('rejects numClasses 0 when the branch widths differ (the mean of the heads would not be defined)', () => {
    const e = specError(() => buildModel(testRegistry(), { ...crossvitFixtureSpec('crossvit_tiny'), numClasses: 0 } as never));
    expect(e.issues[0].path).toBe('model.numClasses');
  });

  it('rejects an unknown fusion, listing the registered ones', () => {
    const before = tf.memory().numTensors;
    const e = specError(() => buildModel(testRegistry(), { ...crossvitFixtureSpec('crossvit_tiny'), fusion: 'cross-attn' } as never));
    expect(tf.memory().numTensors).toBe(before); // the partly built model was disposed
    expect(e.issues[0].path).toBe('model.fusion.type');
    expect(e.message).toMatch(/"cross-attn" is not registered as a fusion; registered: all-attention, class-token, cross-attention, none, pairwise/);
  });

  it('rejects bad fusion and tokenizer options with their paths', () => {
    const e = specError(() => buildModel(testRegistry(), { ...crossvitFixtureSpec('crossvit_tiny'), fusion: { type: 'class-token', depth: 2 } } as never));
    expect(e.issues[0].path).toBe('model.fusion.depth');
    const c = specError(() => buildModel(testRegistry(), { ...crossvitFixtureSpec('crossvit_tiny_conv'), patchSize: [12, 8], imgSize: [48, 32] } as never));
    expect(c.issues[0].path).toBe('model.tokenizer.patchSize');
    expect(c.message).toMatch(/allowed: 12, 16/);
  });

  it('feeds the 32 px branch a bicubic resize identical to the official one (debug activations)', async () => {
    const model = buildModel(testRegistry(), crossvitFixtureSpec('crossvit_tiny_rand') as never);
    const { input } = await readFixture('crossvit_tiny_rand');
    const { tensors: dbg } = await readSafetensors(path.join(FIXTURES, 'debug', 'crossvit_tiny_rand.debug.safetensors'));
    const want = dbg.get('__dbg__.patch_embed.1.input')!;
    const [x0, x1] = (model as unknown as { branchInputs(x: tf.Tensor4D): tf.Tensor4D[] }).branchInputs(input);
    expect(x0).toBe(input); // the 48 px branch sees the input itself
    const got = tf.tidy(() => tf.transpose(x1, [0, 3, 1, 2]));
    expect(got.shape).toEqual(want.shape);
    expect(maxAbsDiff(got.dataSync(), want.data)).toBeLessThan(1e-5);
    tf.dispose([input, x1, got]);
    model.dispose();
  });

  it('refuses non-square inputs with a clear error', () => {
    const model = buildModel(testRegistry(), crossvitFixtureSpec('crossvit_tiny') as never);
    const x = tf.zeros([1, 48, 40, 3]) as tf.Tensor4D;
    expect(() => model.forward(x)).toThrow(/input must be square/);
    x.dispose();
    model.dispose();
  });

  it('builds any number of branches (three-branch cross-attention, cyclic like the official code)', () => {
    const registry = testRegistry();
    const model = buildModel(registry, {
      type: 'dual-branch',
      imgSize: [24, 16, 32],
      patchSize: [6, 8, 8],
      numClasses: 5,
      embedDim: [16, 32, 24],
      depth: [[1, 1, 1, 0]],
      numHeads: [2, 2, 2],
      mlpRatio: [2, 2, 2],
    } as never);
    model.eval();
    expect(model.config.inputSize).toEqual([32, 32]);
    const y = tf.tidy(() => model.forward(tf.randomNormal([2, 32, 32, 3]) as tf.Tensor4D));
    expect(y.shape).toEqual([2, 5]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    y.dispose();
    // f of branch 2 projects 24 → 16 (to branch (2+1) mod 3 = 0).
    expect(model.namedParameters().find(([n]) => n === 'blocks.0.projs.2.2.weight')![1].torchShape).toEqual([16, 24]);
    model.dispose();
  });
});

describe('dual-branch parity on cpu', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
  });

  it('crossvit_tiny_rand reproduces __logits__ to 1e-4 on cpu', async () => {
    const model = buildModel(testRegistry(), crossvitFixtureSpec('crossvit_tiny_rand') as never);
    const { tensors, input, logits } = await readFixture('crossvit_tiny_rand');
    loadStateDict(model, tensors, { strict: true });
    model.eval();
    const out = model.forward(input);
    const diff = maxAbsDiff(out.dataSync(), logits);
    console.log(`cpu crossvit_tiny_rand: max |diff| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    tf.dispose([out, input]);
    model.dispose();
  });
});


describe('every crossvit fixture through vitkit forward (runForward)', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it.each(NAMES_PARITY)('%s: logits within 1e-4 of __logits__', async (name) => {
    const file = path.join(FIXTURES, `${name}.safetensors`);
    const { logits, shape } = await runForward({
      spec: { model: crossvitFixtureSpec(name) as never },
      registry: testRegistry(),
      weights: file,
      input: file,
    });
    const ref = await readFixture(name);
    ref.input.dispose();
    expect(shape).toEqual(ref.logitsShape);
    expect(maxAbsDiff(logits, ref.logits)).toBeLessThanOrEqual(1e-4);
  });
});
