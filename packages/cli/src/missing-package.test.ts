import { runVitkit } from './testing';

/** What `require` throws for a package that is not installed. */
function notInstalled(id: string): never {
  throw Object.assign(new Error(`Cannot find module '${id}' from 'packages/cli/src/optional-package.ts'`), { code: 'MODULE_NOT_FOUND' });
}

describe('a command whose package is not installed', () => {
  afterEach(() => jest.dontMock('@vitkit/trainer'));

  it.each([
    ['train', ['--spec', 'spec.json']],
    ['eval', ['--spec', 'spec.json', '--weights', 'w.safetensors']],
    ['predict', ['--spec', 'spec.json', '--weights', 'w.safetensors', 'img.png']],
  ])('vitkit %s without @vitkit/trainer → exit 2 with the install line', async (command, args) => {
    jest.doMock('@vitkit/trainer', () => notInstalled('@vitkit/trainer'));
    const r = await runVitkit([command, ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`vitkit ${command}: this command needs @vitkit/trainer, which is not installed; install it with: npm install @vitkit/trainer\n`);
  });

  it('vitkit list without @vitkit/trainer still works (the default plugins load when installed)', async () => {
    jest.doMock('@vitkit/trainer', () => notInstalled('@vitkit/trainer'));
    const r = await runVitkit(['list', '--json']);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.out);
    expect(listed.plugins).not.toContain('@vitkit/trainer');
    expect(listed.plugins).toContain('@vitkit/backbones');
  });
});
