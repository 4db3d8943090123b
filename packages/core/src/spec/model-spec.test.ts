import { Registry } from '../registry/registry';
import type { BuildContext } from '../registry/types';
import { SpecError } from './errors';
import { buildModel, mergeSpec, resolveModelSpec } from './model-spec';
import { s } from './schema';

interface Toy {
  options: Record<string, unknown>;
  tokenizers: Array<{ options: Record<string, unknown>; path: string }>;
}

function toyRegistry(): Registry {
  const r = new Registry();
  r.register({
    kind: 'tokenizer',
    name: 't2t',
    owner: '@test/tokenizers',
    description: '',
    options: s.object({ imgSize: s.int({ min: 1 }), embedDim: s.int({ min: 1 }), kernelSizes: s.default(s.array(s.int({ min: 1 }), { length: 3 }), [7, 3, 3]) }),
    create: (options, ctx) => ({ options, path: ctx.path }),
  });
  r.register({
    kind: 'tokenizer',
    name: 'patch',
    owner: '@test/tokenizers',
    description: '',
    options: s.object({ imgSize: s.int({ min: 1 }), embedDim: s.int({ min: 1 }), patchSize: s.default(s.int({ min: 1 }), 16) }),
    create: (options, ctx) => ({ options, path: ctx.path }),
  });
  r.register({
    kind: 'backbone',
    name: 'toy',
    owner: '@test/backbones',
    description: '',
    options: s.object({
      imgSize: s.default(s.int({ min: 1 }), 224),
      depth: s.default(s.int({ min: 1 }), 12),
      numClasses: s.default(s.int({ min: 0 }), 1000),
      branches: s.array(s.object({ embedDim: s.int({ min: 1 }), tokenizer: s.any() })),
      mlpRatio: s.default(s.array(s.number({ gt: 0 })), [4, 4, 1]),
    }),
    create: (o, ctx: BuildContext): Toy => ({
      options: o as unknown as Record<string, unknown>,
      tokenizers: o.branches.map((b, i) => ctx.build<Toy['tokenizers'][number]>('tokenizer', b.tokenizer as string, `${ctx.path}.branches[${i}].tokenizer`, { imgSize: o.imgSize, embedDim: b.embedDim })),
    }),
  });
  const base = { type: 'toy', imgSize: 240, branches: [{ embedDim: 96, tokenizer: 'patch' }, { embedDim: 192, tokenizer: { type: 't2t' } }] };
  r.registerPreset({ name: 'toy_tiny_240', owner: '@test/backbones', description: 'tiny', spec: base, aliases: ['toy_ti'] });
  r.registerPreset({ name: 'toy_small_240', owner: '@test/backbones', description: 'small', spec: { ...base, depth: 16 } });
  return r;
}

describe('mergeSpec', () => {
  it('merges objects key by key; arrays and scalars replace; inputs are not mutated', () => {
    const base = { a: 1, nested: { x: 1, y: { z: 2, w: 3 } }, list: [1, 2, 3] };
    const over = { nested: { y: { z: 5 } }, list: [9], b: 'new' };
    const out = mergeSpec(base, over);
    expect(out).toEqual({ a: 1, nested: { x: 1, y: { z: 5, w: 3 } }, list: [9], b: 'new' });
    expect(base).toEqual({ a: 1, nested: { x: 1, y: { z: 2, w: 3 } }, list: [1, 2, 3] });
    // an object overriding a scalar (and vice versa) replaces it
    expect(mergeSpec({ t: 'patch' }, { t: { type: 't2t' } })).toEqual({ t: { type: 't2t' } });
    expect(mergeSpec({ t: { type: 't2t' } }, { t: 'patch' })).toEqual({ t: 'patch' });
  });
});

describe('resolveModelSpec / buildModel', () => {
  it('expands a preset name and an alias', () => {
    const r = toyRegistry();
    expect(resolveModelSpec(r, 'toy_tiny_240')).toEqual(r.preset('toy_tiny_240')!.spec);
    expect(resolveModelSpec(r, { preset: 'toy_ti' })).toEqual(r.preset('toy_tiny_240')!.spec);
  });

  it('applies overrides with a deep merge, leaving the registered preset untouched', () => {
    const r = toyRegistry();
    const before = JSON.stringify(r.preset('toy_small_240')!.spec);
    const spec = resolveModelSpec(r, { preset: 'toy_small_240', numClasses: 10, mlpRatio: [3, 3, 1] });
    expect(spec).toEqual({ ...JSON.parse(before), numClasses: 10, mlpRatio: [3, 3, 1] });
    expect(JSON.stringify(r.preset('toy_small_240')!.spec)).toBe(before);
    const model = buildModel(r, { preset: 'toy_small_240', numClasses: 10 }) as unknown as Toy;
    expect(model.options).toMatchObject({ imgSize: 240, depth: 16, numClasses: 10, mlpRatio: [4, 4, 1] });
    expect(model.tokenizers).toEqual([
      { options: { imgSize: 240, embedDim: 96, patchSize: 16 }, path: 'model.branches[0].tokenizer' },
      { options: { imgSize: 240, embedDim: 192, kernelSizes: [7, 3, 3] }, path: 'model.branches[1].tokenizer' },
    ]);
  });

  it('builds a full { type } spec with defaults filled', () => {
    const model = buildModel(toyRegistry(), { type: 'toy', branches: [{ embedDim: 8, tokenizer: { type: 't2t', kernelSizes: [3, 3, 3] } }] }) as unknown as Toy;
    expect(model.options).toEqual({ imgSize: 224, depth: 12, numClasses: 1000, mlpRatio: [4, 4, 1], branches: [{ embedDim: 8, tokenizer: { type: 't2t', kernelSizes: [3, 3, 3] } }] });
    expect(model.tokenizers[0].options).toEqual({ imgSize: 224, embedDim: 8, kernelSizes: [3, 3, 3] });
  });

  it('an unknown tokenizer type names the exact path and the registered tokenizers', () => {
    const r = toyRegistry();
    const spec = { type: 'toy', branches: [{ embedDim: 8, tokenizer: 'patch' }, { embedDim: 8, tokenizer: { type: 't2tt' } }] };
    expect(() => buildModel(r, spec)).toThrow(new SpecError([{ path: 'model.branches[1].tokenizer.type', message: '"t2tt" is not registered as a tokenizer; registered: patch, t2t' }]));
    expect(() => buildModel(r, spec)).toThrow('model.branches[1].tokenizer.type: "t2tt" is not registered as a tokenizer; registered: patch, t2t');
  });

  it('reports several problems of one component in one error', () => {
    let err: SpecError | undefined;
    try {
      buildModel(toyRegistry(), { preset: 'toy_tiny_240', depth: 0, numClasses: -3, mlpRatio: [4, 'x'], dropRate: 0.1 });
    } catch (e) {
      err = e as SpecError;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect(err!.issues).toEqual([
      { path: 'model.depth', message: '0 is not valid; expected an integer >= 1' },
      { path: 'model.numClasses', message: '-3 is not valid; expected an integer >= 0' },
      { path: 'model.mlpRatio[1]', message: '"x" is not valid; expected a number > 0' },
      { path: 'model.dropRate', message: 'is not an option here; allowed: imgSize, depth, numClasses, branches, mlpRatio' },
    ]);
  });

  it('an unknown preset suggests similar names, or lists the registered ones', () => {
    const r = toyRegistry();
    expect(() => resolveModelSpec(r, 'toy_huge')).toThrow('model.preset: "toy_huge" is not a registered preset; similar: toy_small_240, toy_tiny_240');
    expect(() => resolveModelSpec(r, 'vit_base')).toThrow('model.preset: "vit_base" is not a registered preset; registered: toy_small_240, toy_tiny_240');
    expect(() => resolveModelSpec(r, 42 as unknown as string)).toThrow('model: 42 is not a model spec; expected a preset name or an object');
    expect(() => buildModel(r, { type: 'nope' }, 'spec.model')).toThrow('spec.model.type: "nope" is not registered as a backbone; registered: toy');
  });
});
