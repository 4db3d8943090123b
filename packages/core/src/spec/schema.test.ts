import { describeValue, SpecError } from './errors';
import { s, validate } from './schema';

/** Runs `validate` and returns the thrown SpecError (fails the test if nothing is thrown). */
function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error('expected a SpecError');
}

describe('schema validation', () => {
  const tokenizerSchema = s.object({
    type: s.string(),
    kernelSizes: s.array(s.int({ min: 1 }), { length: 3 }),
    strides: s.default(s.array(s.int({ min: 1 })), [4, 2, 2]),
    tokenDim: s.default(s.int({ min: 1 }), 64),
    mode: s.enum(['transformer', 'performer'] as const),
    ratio: s.number({ gt: 0, max: 1 }),
    note: s.optional(s.string()),
    flag: s.default(s.boolean(), false),
    extra: s.optional(s.any()),
  });

  it('fills defaults, leaves optional keys undefined and passes `any` through', () => {
    const out = validate(tokenizerSchema, { type: 't2t', kernelSizes: [7, 3, 3], mode: 'performer', ratio: 0.5, extra: { a: [1] } }, 'model.tokenizer');
    expect(out).toEqual({
      type: 't2t',
      kernelSizes: [7, 3, 3],
      strides: [4, 2, 2],
      tokenDim: 64,
      mode: 'performer',
      ratio: 0.5,
      note: undefined,
      flag: false,
      extra: { a: [1] },
    });
  });

  it('gives every build its own copy of a default (no shared mutable arrays)', () => {
    const a = validate(tokenizerSchema, { type: 't', kernelSizes: [1, 1, 1], mode: 'performer', ratio: 1 }, 'm');
    a.strides.push(99);
    const b = validate(tokenizerSchema, { type: 't', kernelSizes: [1, 1, 1], mode: 'performer', ratio: 1 }, 'm');
    expect(b.strides).toEqual([4, 2, 2]);
  });

  it('reports every issue in ONE error, each with its exact path and the allowed values', () => {
    const e = specError(() =>
      validate(
        tokenizerSchema,
        { type: 3, kernelSizes: [7, 0, 2.5, 3], mode: 't2tt', ratio: 0, tokenDim: '64', flag: 'yes', colour: 'red' },
        'model.branches[1].tokenizer',
      ),
    );
    const byPath = Object.fromEntries(e.issues.map((i) => [i.path, i.message]));
    expect(byPath).toEqual({
      'model.branches[1].tokenizer.type': '3 is not valid; expected a string',
      'model.branches[1].tokenizer.kernelSizes': 'has 4 entries; expected exactly 3',
      'model.branches[1].tokenizer.kernelSizes[1]': '0 is not valid; expected an integer >= 1',
      'model.branches[1].tokenizer.kernelSizes[2]': '2.5 is not valid; expected an integer >= 1',
      'model.branches[1].tokenizer.tokenDim': '"64" is not valid; expected an integer >= 1',
      'model.branches[1].tokenizer.mode': '"t2tt" is not valid; expected one of transformer, performer',
      'model.branches[1].tokenizer.ratio': '0 is not valid; expected a number > 0 <= 1',
      'model.branches[1].tokenizer.flag': '"yes" is not valid; expected true or false',
      'model.branches[1].tokenizer.colour': 'is not an option here; allowed: type, kernelSizes, strides, tokenDim, mode, ratio, note, flag, extra',
    });
    expect(e.issues).toHaveLength(9);
    // the message has one line per issue, "path: message"
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(9);
    expect(lines).toContain('model.branches[1].tokenizer.mode: "t2tt" is not valid; expected one of transformer, performer');
  });

  it('names missing required options with what they expect', () => {
    const e = specError(() => validate(tokenizerSchema, { type: 'x' }, 'model.tokenizer'));
    expect(e.issues.map((i) => i.path)).toEqual(['model.tokenizer.kernelSizes', 'model.tokenizer.mode', 'model.tokenizer.ratio']);
    expect(e.issues[0].message).toBe('is required (an array of length 3 of an integer >= 1)');
    expect(e.issues[1].message).toBe('is required (one of transformer, performer)');
  });

  it('checks nested objects and arrays of objects with full paths', () => {
    const schema = s.object({
      branches: s.array(s.object({ embedDim: s.int({ min: 1 }), depth: s.default(s.int({ min: 0 }), 1) }), { minLength: 2 }),
    });
    expect(validate(schema, { branches: [{ embedDim: 4 }, { embedDim: 8, depth: 0 }] }, 'model')).toEqual({
      branches: [{ embedDim: 4, depth: 1 }, { embedDim: 8, depth: 0 }],
    });
    const e = specError(() => validate(schema, { branches: [{ embedDim: -1 }] }, 'model'));
    expect(e.issues).toEqual([
      { path: 'model.branches', message: 'has 1 entries; expected at least 2' },
      { path: 'model.branches[0].embedDim', message: '-1 is not valid; expected an integer >= 1' },
    ]);
    const e2 = specError(() => validate(schema, { branches: 'two' }, 'model'));
    expect(e2.message).toBe('model.branches: "two" is not valid; expected an array of an object with embedDim, depth');
    const e3 = specError(() => validate(schema, [1], 'model'));
    expect(e3.message).toBe('model: [1] is not valid; expected an object');
  });

  it('s.any() accepts any value but is still required unless optional or defaulted', () => {
    const schema = s.object({ tokenizer: s.any() });
    expect(validate(schema, { tokenizer: 't2t' }, 'model')).toEqual({ tokenizer: 't2t' });
    expect(specError(() => validate(schema, {}, 'model')).message).toBe('model.tokenizer: is required (any value)');
  });

  it('object schemas expose their keys; allowUnknown keeps unknown keys', () => {
    const schema = s.object({ a: s.int() }, { allowUnknown: true });
    expect(schema.keys).toEqual(['a']);
    expect(validate(schema, { a: 1, b: 'x' }, 'p')).toEqual({ a: 1, b: 'x' });
  });

  it('rejects NaN and Infinity as numbers; optional accepts null', () => {
    const e = specError(() => validate(s.object({ x: s.number(), y: s.number() }), { x: NaN, y: Infinity }, 'p'));
    expect(e.issues.map((i) => i.path)).toEqual(['p.x', 'p.y']);
    expect(validate(s.object({ z: s.optional(s.int()) }), { z: null }, 'p')).toEqual({ z: undefined });
  });

  it('describeValue quotes strings, says "missing" for undefined and shortens long values', () => {
    expect(describeValue('t2tt')).toBe('"t2tt"');
    expect(describeValue(undefined)).toBe('missing');
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
    const long = describeValue(new Array(100).fill(1));
    expect(long.length).toBe(60);
    expect(long.endsWith('...')).toBe(true);
  });

  it('shows a number JSON cannot write (1e999 parses to Infinity) as itself, not as null', () => {
    const e = specError(() => validate(s.object({ lr: s.number({ gt: 0 }) }), JSON.parse('{"lr": 1e999}'), 'train.optimizer'));
    expect(e.message).toBe('train.optimizer.lr: Infinity is not valid; expected a number > 0');
    expect(describeValue(-Infinity)).toBe('-Infinity');
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue({ betas: [0.9, Infinity] })).toBe('{"betas":[0.9,Infinity]}');
  });
});
