import { tf } from '../tf';
import { wasmKernelsRegistered } from '../kernels';
import { BACKEND_ENV, selectBackend } from './select-backend';

describe('selectBackend', () => {
  const saved = process.env[BACKEND_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = saved;
  });

  it('forces wasm and installs the kernel pack', async () => {
    const choice = await selectBackend('wasm', { quiet: true });
    expect(choice).toEqual({ backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmKernelsRegistered()).toBe(true);
  });

  it('forces cpu', async () => {
    expect((await selectBackend('cpu', { quiet: true })).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('honours $VITKIT_BACKEND when no flag is given, and the flag wins over it', async () => {
    process.env[BACKEND_ENV] = 'cpu';
    expect((await selectBackend('auto', { quiet: true })).backend).toBe('cpu');
    expect((await selectBackend('wasm', { quiet: true })).backend).toBe('wasm');
  });

  it('auto picks the fastest installed: native where its addon is built, else wasm (the node backends cannot install here)', async () => {
    delete process.env[BACKEND_ENV];
    const nodeInstalled = (() => {
      try {
        require.resolve('@tensorflow/tfjs-node');
        return true;
      } catch {
        return false;
      }
    })();
    const nativeBuilt: boolean = require('@vitkit/backend-native').loadAddon().ok;
    const choice = await selectBackend('auto', { quiet: true });
    expect(choice.backend).toBe(nodeInstalled ? 'tensorflow' : nativeBuilt ? 'native' : 'wasm');
  });

  it('prints the chosen backend on stderr', async () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await selectBackend('cpu');
    expect(spy.mock.calls.map((c) => String(c[0])).join('')).toContain('vitkit: backend cpu');
    spy.mockRestore();
  });

  it('names the package to install when a forced backend is missing, and rejects unknown names', async () => {
    await expect(selectBackend('tfjs-node-gpu', { quiet: true })).rejects.toThrow('npm install @tensorflow/tfjs-node-gpu');
    await expect(selectBackend('webgpu', { quiet: true })).rejects.toThrow('unknown backend "webgpu"');
  });
});
