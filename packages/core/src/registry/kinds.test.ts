import { tf } from '../tf';
import { Linear } from '../nn/linear';
import { Module } from '../nn/module';
import { s } from '../spec/schema';
import { useBackend } from '../testing/backends';
import { createRegistry } from './create-registry';
import { CORE_KIND_CONTRACTS, FEATURE_MAP_TOKENIZER } from './kinds';
import { BUILD_CONTEXT, ContractError, Registry } from './registry';
import type { BuildContext } from './types';

class HalfTokenizer extends Module {
  readonly embedDim = 4;
  forward(x: tf.Tensor4D): tf.Tensor3D {
    return tf.reshape(x, [x.shape[0], -1, 4]);
  }
}

describe('kind contracts', () => {
  beforeAll(() => useBackend('cpu'));

  it('createRegistry declares a contract for every core kind', () => {
    const r = createRegistry();
    for (const kind of ['tokenizer', 'backbone', 'fusion', 'head', 'neck', 'seg-head', 'segmenter', 'dataset', 'transform', 'batch-transform', 'optimizer', 'schedule', 'loss', 'report']) {
      expect(r.contract(kind)?.kind).toBe(kind);
    }
    expect(CORE_KIND_CONTRACTS).toHaveLength(14);
    expect(() => r.defineKind(CORE_KIND_CONTRACTS[0])).toThrow('kind "tokenizer" already has a contract');
  });

  it('a component that misses part of its contract fails at build time, naming component, kind, owner and what is missing; its variables are freed', () => {
    const r = createRegistry();
    r.register({ kind: 'tokenizer', name: 'half', owner: 'vitkit-plugin-half', description: '', options: s.object({}), create: () => new HalfTokenizer() });
    const before = tf.memory().numTensors;
    let err: unknown;
    try {
      r.build('tokenizer', 'half', 'model.tokenizer');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ContractError);
    expect((err as Error).message).toBe(
      'model.tokenizer: tokenizer "half" (registered by vitkit-plugin-half) built something that is not a Tokenizer: a Module with embedDim, numTokens and forward(x NHWC) → [B, numTokens, embedDim]; missing: numTokens (a number)',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('checks plain objects, functions and the model config', () => {
    const r = createRegistry();
    r.register({ kind: 'loss', name: 'not-a-function', owner: 'x', description: '', options: s.object({}), create: () => ({}) });
    expect(() => r.build('loss', 'not-a-function')).toThrow('loss "not-a-function" (registered by x) built something that is not a loss function (logits, targets) → scalar; missing: a function');
    r.register({ kind: 'backbone', name: 'no-config', owner: 'x', description: '', options: s.object({}), create: () => Object.assign(new Linear(2, 2), { config: { inputSize: [8], inChans: 3, numClasses: 2 } }) });
    expect(() => r.build('backbone', 'no-config', 'model')).toThrow(/^model: backbone "no-config" .* missing: config\.inputSize \(\[height, width\]\)$/);
    r.register({ kind: 'head', name: 'ok', owner: 'x', description: '', options: s.object({}), create: () => new Linear(2, 3) });
    const head = r.build('head', 'ok');
    expect(head.forward(tf.ones([1, 2])).shape).toEqual([1, 3]);
    head.dispose();
  });

  it('checks what an asynchronous kind (dataset) resolves to', async () => {
    const r = createRegistry();
    r.register({ kind: 'dataset', name: 'sync', owner: 'x', description: '', options: s.object({}), create: () => ({ name: 'd' }) });
    expect(() => r.build('dataset', 'sync', 'data.train')).toThrow('data.train: dataset "sync" (registered by x) built something that is not a promise of a Dataset');
    r.register({ kind: 'dataset', name: 'half', owner: 'x', description: '', options: s.object({}), create: async () => ({ name: 'd', length: 1, numClasses: 2, classNames: ['a', 'b'], shape: [1, 1, 1] }) });
    await expect(r.build('dataset', 'half', 'data.train')).rejects.toThrow('missing: get (a method)');
  });

  it('FEATURE_MAP_TOKENIZER names what a plain tokenizer lacks', () => {
    expect(FEATURE_MAP_TOKENIZER.check({ embedDim: 1, numTokens: 1, forward() {}, namedParameters() {}, namedChildren() {}, train() {}, dispose() {} })).toEqual([
      'needsPreviousTokens (a boolean)',
      'recordAttention (a boolean)',
      'lastAttention (a method)',
      'clearAttention (a method)',
    ]);
  });
});

describe('one store', () => {
  it('keeps definitions in the container only: what a plugin registers is what the container resolves', () => {
    const r = new Registry();
    const def = { kind: 'neck', name: 'fpn', owner: 'x', description: '', options: s.object({}), create: () => null };
    r.register(def);
    expect(r.container.resolve('vitkit:neck:fpn')).toBe(def);
    expect(r.get('neck', 'fpn')).toBe(def);
    expect(r.components()).toEqual([def]);
  });

  it('a part resolved through ctx.resolve gets its build context injected (BUILD_CONTEXT)', () => {
    class Part {
      constructor(readonly ctx: BuildContext) {}
    }
    const r = new Registry();
    r.container.register(Part, { useFactory: (c) => new Part(c.resolve(BUILD_CONTEXT)) });
    r.register({ kind: 'head', name: 'probe', owner: 'x', description: '', options: s.object({}), create: (_o: unknown, ctx: BuildContext) => ctx.resolve(Part) });
    const part = r.build<Part>('head', 'probe', 'model.head');
    expect(part.ctx.path).toBe('model.head');
  });
});
