import { Registry } from '../registry/registry';
import { SpecError } from './errors';
import { s, SchemaType, validate } from './schema';

function registry(): Registry {
  const r = new Registry();
  for (const name of ['patch', 't2t']) r.register({ kind: 'tokenizer', name, owner: '@test', description: '', options: s.object({}, { allowUnknown: true }), create: () => ({ name }) });
  return r;
}

const backbone = s.object({
  depth: s.int({ min: 1 }),
  tokenizer: s.default(s.component('tokenizer'), 'patch'),
  branches: s.default(s.oneOrArray(s.component('tokenizer')), 't2t'),
  note: s.optional(s.string()),
});

describe('s.component', () => {
  it('accepts a registered name or { type } and reports an unregistered type at its own path, with the other issues', () => {
    const r = registry();
    expect(validate(backbone, { depth: 2, tokenizer: { type: 't2t', kernel: 3 } }, 'model', { registry: r })).toEqual({
      depth: 2,
      tokenizer: { type: 't2t', kernel: 3 },
      branches: 't2t',
    });
    let err: unknown;
    try {
      validate(backbone, { depth: 0, tokenizer: 'patchh', branches: ['patch', { type: 'nope' }, 3] }, 'model', { registry: r });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues).toEqual([
      { path: 'model.depth', message: '0 is not valid; expected an integer >= 1' },
      { path: 'model.tokenizer.type', message: '"patchh" is not registered as a tokenizer; registered: patch, t2t' },
      { path: 'model.branches[1].type', message: '"nope" is not registered as a tokenizer; registered: patch, t2t' },
      { path: 'model.branches[2]', message: '3 is not valid; expected a tokenizer spec (a registered tokenizer name or { "type": <name>, ...options })' },
    ]);
  });

  it('without a registry checks the shape only; a missing type is named', () => {
    expect(validate(backbone, { depth: 1, tokenizer: 'anything' }, 'model').tokenizer).toBe('anything');
    expect(() => validate(backbone, { depth: 1, tokenizer: { kernel: 3 } }, 'model')).toThrow('model.tokenizer.type: missing is not valid; expected the name of a registered tokenizer');
  });

  it('derives the options type: optional schemas give optional properties', () => {
    type Options = SchemaType<typeof backbone>;
    const o: Options = { depth: 1, tokenizer: 'patch', branches: ['patch'] };
    expect(o.note).toBeUndefined();
  });
});
