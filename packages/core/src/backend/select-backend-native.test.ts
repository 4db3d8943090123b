// The native engine hook of selectBackend, with @vitkit/backend-native replaced by one whose addon is not built.
jest.mock('@vitkit/backend-native', () => ({
  registerNativeBackend: async () => ({ ok: false, reason: 'native engine unavailable: no addon was built; to get it: apt-get install -y g++ make libopenblas-dev' }),
}));

import { tf } from '../tf';
import { BACKEND_ENV, selectBackend } from './select-backend';

describe('selectBackend where the native engine cannot load', () => {
  const saved = process.env[BACKEND_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = saved;
  });

  it('--backend native and VITKIT_BACKEND=native fail with the reason', async () => {
    await expect(selectBackend('native', { quiet: true })).rejects.toThrow('backend "native" failed to start: native engine unavailable: no addon was built; to get it: apt-get install');
    process.env[BACKEND_ENV] = 'native';
    await expect(selectBackend('auto', { quiet: true })).rejects.toThrow('backend "native" failed to start');
  });

  // (where tfjs-node is installed auto stops before native; it cannot install on this project's machines)
  it('auto falls back to wasm and says once, in one line, how to get the native engine', async () => {
    delete process.env[BACKEND_ENV];
    expect(() => require.resolve('@tensorflow/tfjs-node')).toThrow();
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await selectBackend('auto');
    await selectBackend('auto');
    const text = spy.mock.calls.map((c) => String(c[0])).join('');
    spy.mockRestore();
    expect(tf.getBackend()).toBe('wasm');
    const lines = text.split('\n').filter((l) => l.includes('native engine'));
    expect(lines).toEqual(['vitkit: backend "native" failed to start: native engine unavailable: no addon was built; to get it: apt-get install -y g++ make libopenblas-dev; trying the next engine']);
  });
});
