import { DependencyContainer } from 'tsyringe';
import { SpecError } from '../spec/errors';
import { useBackend } from '../testing/backends';
import { s } from '../spec/schema';
import { createRegistry } from './create-registry';
import { BUILD_CONTEXT, globToRegExp, Registry } from './registry';
import type { BuildContext, ComponentDefinition } from './types';

interface Built {
  kind: string;
  options: Record<string, unknown>;
  path: string;
  children?: Built[];
}

const tokenizerDef = (name: string, owner = '@test/tokenizers'): ComponentDefinition<Record<string, unknown>, Built> => ({
  kind: 'tokenizer',
  name,
  owner,
  description: `tokenizer ${name}`,
  options: s.object({ imgSize: s.int({ min: 1 }), embedDim: s.int({ min: 1 }), kernel: s.default(s.int({ min: 1 }), 7) }),
  create: (options, ctx) => ({ kind: `tokenizer:${name}`, options, path: ctx.path }),
});

/** A backbone with several branches, each building its tokenizer with inherited imgSize/embedDim/inChans. */
const multiBackbone: ComponentDefinition<{ imgSize: number; inChans: number; branches: Array<{ embedDim: number; tokenizer: unknown }> }, Built> = {
  kind: 'backbone',
  name: 'multi',
  owner: '@test/backbones',
  description: 'toy multi-branch backbone',
  options: s.object({
    imgSize: s.default(s.int({ min: 1 }), 32),
    inChans: s.default(s.int({ min: 1 }), 3),
    branches: s.array(s.object({ embedDim: s.int({ min: 1 }), tokenizer: s.any() })),
  }),
  create: (o, ctx: BuildContext) => ({
    kind: 'backbone:multi',
    options: o as unknown as Record<string, unknown>,
    path: ctx.path,
    children: o.branches.map((b, i) =>
      ctx.build<Built>('tokenizer', b.tokenizer as string, `${ctx.path}.branches[${i}].tokenizer`, { imgSize: o.imgSize, inChans: o.inChans, embedDim: b.embedDim }),
    ),
  }),
};

function registry(): Registry {
  const r = new Registry();
  r.register(tokenizerDef('t2t'));
  r.register(tokenizerDef('patch'));
  r.register(multiBackbone);
  return r;
}

describe('Registry', () => {
  beforeAll(() => useBackend('cpu'));

  it('registers and lists components by kind', () => {
    const r = registry();
    expect(r.has('tokenizer', 't2t')).toBe(true);
    expect(r.has('backbone', 't2t')).toBe(false);
    expect(r.names('tokenizer')).toEqual(['patch', 't2t']);
    expect(r.kinds()).toEqual(['backbone', 'tokenizer']);
    expect(r.components('backbone').map((d) => d.name)).toEqual(['multi']);
    expect(r.get('tokenizer', 'patch').description).toBe('tokenizer patch');
    expect(() => r.get('tokenizer', 'nope')).toThrow('tokenizer "nope" is not registered; registered: patch, t2t');
  });

  it('a duplicate registration names both owners', () => {
    const r = registry();
    expect(() => r.register(tokenizerDef('t2t', '@someone/else'))).toThrow('tokenizer "t2t" is registered twice: by @test/tokenizers and by @someone/else');
    // the same name under another kind is fine
    expect(() => r.register({ ...tokenizerDef('t2t', '@x/y'), kind: 'fusion' })).not.toThrow();
  });

  it('a duplicate preset (or alias) names both owners', () => {
    const r = registry();
    r.registerPreset({ name: 'toy_tiny', owner: '@test/a', description: '', spec: { type: 'multi', branches: [] }, aliases: ['toy_t'] });
    expect(() => r.registerPreset({ name: 'toy_tiny', owner: '@test/b', description: '', spec: { type: 'multi' } })).toThrow(
      'preset "toy_tiny" is registered twice: by @test/a and by @test/b',
    );
    expect(() => r.registerPreset({ name: 'other', owner: '@test/c', description: '', spec: { type: 'multi' }, aliases: ['toy_t'] })).toThrow(
      'preset "toy_t" is registered twice: by @test/a and by @test/c',
    );
    expect(() => r.registerPreset({ name: 'toy_t', owner: '@test/d', description: '', spec: { type: 'multi' } })).toThrow(/preset "toy_t" is registered twice: by @test\/a and by @test\/d/);
    expect(r.preset('toy_t')!.name).toBe('toy_tiny');
  });

  it('listModels filters preset names with a glob and sorts them naturally (7 before 14)', () => {
    const r = registry();
    for (const name of ['t2t_vit_14', 't2t_vit_7', 'crossvit_9_240', 'crossvit_tiny_240', 'crossvit_9_dagger_240', 'vt_resnet18']) {
      r.registerPreset({ name, owner: '@test', description: '', spec: { type: 'multi' } });
    }
    expect(r.listModels()).toEqual(['crossvit_9_240', 'crossvit_9_dagger_240', 'crossvit_tiny_240', 't2t_vit_7', 't2t_vit_14', 'vt_resnet18']);
    expect(r.listModels('crossvit_*')).toEqual(['crossvit_9_240', 'crossvit_9_dagger_240', 'crossvit_tiny_240']);
    expect(r.listModels('*dagger*')).toEqual(['crossvit_9_dagger_240']);
    expect(r.listModels('t2t_vit_?')).toEqual(['t2t_vit_7']);
    expect(r.listModels('t2t_vit_??')).toEqual(['t2t_vit_14']);
    expect(r.listModels('vit')).toEqual([]);
    expect(globToRegExp('a.b*').test('a.bcd')).toBe(true);
    expect(globToRegExp('a.b*').test('axbcd')).toBe(false); // '.' is literal
    expect(globToRegExp('(x)+[y]').test('(x)+[y]')).toBe(true);
  });

  it('passes inherited options only when the child declares them, and spec values win', () => {
    const r = registry();
    const m = r.build<Built>('backbone', { type: 'multi', imgSize: 48, branches: [{ embedDim: 8, tokenizer: 't2t' }, { embedDim: 16, tokenizer: { type: 'patch', embedDim: 5, kernel: 3 } }] }, 'model');
    // inChans is inherited but not declared by the tokenizers: not passed (it would be an unknown-option error)
    expect(m.children![0]).toEqual({ kind: 'tokenizer:t2t', options: { imgSize: 48, embedDim: 8, kernel: 7 }, path: 'model.branches[0].tokenizer' });
    expect(m.children![1]).toEqual({ kind: 'tokenizer:patch', options: { imgSize: 48, embedDim: 5, kernel: 3 }, path: 'model.branches[1].tokenizer' });
  });

  it('errors in sub-components carry the full spec path and the registered alternatives', () => {
    const r = registry();
    let err: unknown;
    try {
      r.build('backbone', { type: 'multi', branches: [{ embedDim: 8, tokenizer: 't2t' }, { embedDim: 8, tokenizer: { type: 't2tt' } }] }, 'model');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as Error).message).toBe('model.branches[1].tokenizer.type: "t2tt" is not registered as a tokenizer; registered: patch, t2t');

    expect(() => r.build('backbone', { type: 'multi', branches: [{ embedDim: 8, tokenizer: { type: 'patch', kernel: 0, colour: 1 } }] }, 'model')).toThrow(
      'model.branches[0].tokenizer.kernel: 0 is not valid; expected an integer >= 1\nmodel.branches[0].tokenizer.colour: is not an option here; allowed: imgSize, embedDim, kernel',
    );
    expect(() => r.build('backbone', { type: 'mullti' }, 'model')).toThrow('model.type: "mullti" is not registered as a backbone; registered: multi');
    expect(() => r.build('backbone', 42 as unknown as string, 'model')).toThrow('model: 42 is not a backbone spec; expected a name or an object with "type"');
    expect(() => r.build('backbone', { branches: [] } as unknown as string, 'model')).toThrow('model.type: missing is not registered as a backbone');
  });

  it('creates one child container per build; a build context registered in one build is not visible in another', () => {
    const r = registry();
    const children: DependencyContainer[] = [];
    const original = r.container.createChildContainer.bind(r.container);
    const spy = jest.spyOn(r.container, 'createChildContainer').mockImplementation(() => {
      const c = original();
      children.push(c);
      return c;
    });
    try {
      r.build('backbone', { type: 'multi', branches: [{ embedDim: 8, tokenizer: 't2t' }, { embedDim: 8, tokenizer: 'patch' }] }, 'first');
      expect(children).toHaveLength(1); // sub-components share their build's container
      r.build('tokenizer', { type: 'patch', imgSize: 4, embedDim: 2 }, 'second');
      expect(children).toHaveLength(2);
    } finally {
      spy.mockRestore();
    }
    const [a, b] = children;
    expect(a).not.toBe(b);
    expect(a.isRegistered(BUILD_CONTEXT, false)).toBe(true);
    expect(b.isRegistered(BUILD_CONTEXT, false)).toBe(true);
    expect(b.resolve(BUILD_CONTEXT).path).toBe('second');
    expect(a.resolve(BUILD_CONTEXT).path).not.toBe('second');
    expect(a.resolve(BUILD_CONTEXT).path.startsWith('first')).toBe(true);
    // neither the registry's container nor the global root sees a build context
    expect(r.container.isRegistered(BUILD_CONTEXT, true)).toBe(false);
    // and the components registered by plugins are visible from every build container
    expect(b.isRegistered('vitkit:tokenizer:patch', true)).toBe(true);
  });

  it('separate registries are isolated from each other', () => {
    const r1 = registry();
    const r2 = new Registry();
    expect(r2.has('tokenizer', 't2t')).toBe(false);
    expect(() => r2.register(tokenizerDef('t2t'))).not.toThrow();
    expect(r1.container).not.toBe(r2.container);
  });

  it('createRegistry contributes the core linear head, Identity for numClasses 0', () => {
    const r = createRegistry();
    expect(r.loadedPlugins()).toEqual(['@vitkit/core']);
    expect(r.names('head')).toEqual(['linear']);
    const head = r.build<{ namedParameters(): Array<[string, { torchShape: number[] }]>; dispose(): void }>('head', { type: 'linear', inFeatures: 6, numClasses: 3 }, 'model.head');
    expect(head.namedParameters().map(([n, p]) => [n, p.torchShape])).toEqual([
      ['weight', [3, 6]],
      ['bias', [3]],
    ]);
    head.dispose();
    const none = r.build<{ namedParameters(): unknown[] }>('head', { type: 'linear', inFeatures: 6, numClasses: 0 }, 'model.head');
    expect(none.namedParameters()).toEqual([]);
    expect(() => r.build('head', { type: 'linear', inFeatures: 6, numClasses: -1 }, 'model.head')).toThrow('model.head.numClasses: -1 is not valid; expected an integer >= 0');
  });
});
