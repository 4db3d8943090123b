import { tf } from '../tf';
import { SpecError } from '../spec/errors';
import { ENGINES } from './engines';
import { BACKEND_ENV, selectBackend, selectedBackend, UnknownBackendError } from './select-backend';
import { wasmKernelsRegistered } from './wasm-kernel-pack';

describe('selectBackend', () => {
  const saved = process.env[BACKEND_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = saved;
  });

  it('forces wasm and installs the kernel pack found at run time (@vitkit/wasm-kernels)', async () => {
    const choice = await selectBackend('wasm', { quiet: true });
    expect(choice).toEqual({ backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', threads: 1, accelerators: ['@vitkit/wasm-kernels'] });
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmKernelsRegistered()).toBe(true);
    expect(selectedBackend()).toEqual(choice);
  });

  it('forces cpu', async () => {
    expect((await selectBackend('cpu', { quiet: true })).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  describe('order: flag > $VITKIT_BACKEND > spec > automatic', () => {
    it('the flag wins over the environment and the spec', async () => {
      process.env[BACKEND_ENV] = 'cpu';
      expect((await selectBackend({ flag: 'wasm', spec: 'cpu', quiet: true })).backend).toBe('wasm');
      expect((await selectBackend('wasm', { quiet: true })).backend).toBe('wasm'); // the string form is the flag
    });

    it('the environment wins over the spec', async () => {
      process.env[BACKEND_ENV] = 'wasm';
      expect((await selectBackend({ spec: 'cpu', quiet: true })).backend).toBe('wasm');
      process.env[BACKEND_ENV] = 'cpu';
      expect((await selectBackend({ spec: 'wasm', quiet: true })).backend).toBe('cpu');
    });

    it('the spec wins over automatic; "auto" at any level defers to the next', async () => {
      delete process.env[BACKEND_ENV];
      expect((await selectBackend({ spec: 'cpu', quiet: true })).backend).toBe('cpu');
      process.env[BACKEND_ENV] = 'auto';
      expect((await selectBackend({ flag: 'auto', spec: 'cpu', quiet: true })).backend).toBe('cpu');
    });
  });

  describe('rejects an unknown name wherever it comes from, naming the source', () => {
    it('from the flag', async () => {
      delete process.env[BACKEND_ENV];
      await expect(selectBackend('webgpu', { quiet: true })).rejects.toThrow('unknown backend "webgpu" (backend flag); choose one of auto, tfjs-node-gpu, tfjs-node, native, wasm, cpu, tensorflow');
      await expect(selectBackend({ flag: 'webgpu', quiet: true })).rejects.toBeInstanceOf(UnknownBackendError);
    });

    it('from $VITKIT_BACKEND, also when a flag or a spec names a backend', async () => {
      process.env[BACKEND_ENV] = 'nonsense';
      await expect(selectBackend({ spec: 'wasm', quiet: true })).rejects.toThrow('unknown backend "nonsense" ($VITKIT_BACKEND)');
      await expect(selectBackend({ flag: 'cpu', quiet: true })).rejects.toThrow('unknown backend "nonsense" ($VITKIT_BACKEND)');
    });

    it('from the spec, as a SpecError at the spec path', async () => {
      delete process.env[BACKEND_ENV];
      const err = await selectBackend({ spec: 'gpu', specPath: 'runs/a.json: backend', quiet: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).message).toBe('runs/a.json: backend: unknown backend "gpu"; choose one of auto, tfjs-node-gpu, tfjs-node, native, wasm, cpu, tensorflow');
      await expect(selectBackend({ spec: 'gpu', quiet: true })).rejects.toThrow(/^backend: unknown backend "gpu"/);
    });
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

  it('tries the engines in one list, fastest first (a new engine is one entry)', () => {
    expect(ENGINES.map((e) => e.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu']);
  });

  it('prints the chosen backend on stderr', async () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await selectBackend('cpu');
    await selectBackend('wasm');
    const text = spy.mock.calls.map((c) => String(c[0])).join('');
    spy.mockRestore();
    expect(text).toContain('vitkit: backend cpu (@tensorflow/tfjs-backend-cpu)\n');
    expect(text).toContain('vitkit: backend wasm (@tensorflow/tfjs-backend-wasm, @vitkit/wasm-kernels)\n');
  });

  it('starts the threaded wasm build through the kernel pack ($VITKIT_WASM_THREADS, threads)', async () => {
    delete process.env[BACKEND_ENV];
    const pack = require('@vitkit/wasm-kernels') as { wasmThreadsEnabled(): boolean; disableWasmThreads(): void };
    try {
      const choice = await selectBackend('wasm', { threads: 2, quiet: true });
      expect(choice).toMatchObject({ backend: 'wasm', threads: 2 });
      expect(pack.wasmThreadsEnabled()).toBe(true);
      expect(tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync()[0])).toBe(8);
    } finally {
      pack.disableWasmThreads();
    }
  });

  it('names the package to install and the source when a named backend is missing', async () => {
    delete process.env[BACKEND_ENV];
    await expect(selectBackend('tfjs-node-gpu', { quiet: true })).rejects.toThrow(
      'backend "tfjs-node-gpu" is not available; install @tensorflow/tfjs-node-gpu (npm install @tensorflow/tfjs-node-gpu) (asked for by the backend flag)'
    );
    process.env[BACKEND_ENV] = 'tensorflow';
    await expect(selectBackend({ quiet: true })).rejects.toThrow(/npm install @tensorflow\/tfjs-node-gpu\).*npm install @tensorflow\/tfjs-node\) \(asked for by the \$VITKIT_BACKEND\)/);
  });
});
