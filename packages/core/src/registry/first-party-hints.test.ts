import { SpecError } from '../spec/errors';
import { createRegistry } from './create-registry';
import { firstPartyPackageOf, missingComponentHint } from './first-party-hints';

describe('not-registered errors name the first-party package that provides the component', () => {
  it('building a tokenizer that @vitkit/tokenizers provides, without that plugin, gives the install line', () => {
    const r = createRegistry();
    let err: unknown;
    try {
      r.build('tokenizer', { type: 'patch' }, 'model.tokenizer');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    const message = (err as Error).message;
    expect(message).toContain('model.tokenizer.type: "patch" is not registered as a tokenizer; registered: (none)');
    expect(message).toContain('"patch" is provided by @vitkit/tokenizers: install it with `npm install @vitkit/tokenizers`');
  });

  it('registry.get names the package too (backbone from @vitkit/backbones, dataset from @vitkit/data)', () => {
    const r = createRegistry();
    expect(() => r.get('backbone', 'dual-branch')).toThrow('npm install @vitkit/backbones');
    expect(() => r.get('dataset', 'mnist')).toThrow('npm install @vitkit/data');
  });

  it('adds nothing for names no first-party package provides', () => {
    expect(missingComponentHint('tokenizer', 't2tt')).toBe('');
    expect(missingComponentHint('tokenizer', 42)).toBe('');
    expect(firstPartyPackageOf('fusion', 'cross-attention')).toBe('@vitkit/fusion');
    expect(firstPartyPackageOf('backbone', 'patch')).toBeUndefined();
  });
});
