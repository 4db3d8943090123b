// The pack must not change its host's V8 settings unless the application asks: importing it, registering it and
// running every kind of generated kernel leave the flags alone; enableFastWasmEngine() (or registerWasmKernels with
// fastEngine) is the only way in.
import { gelu, layerNorm, selectBackend, tf } from '@vitkit/core';
import { randomTensor } from '../testing/kernel-tests';

// The module object itself (what the pack calls), so that the spy sees its calls.
const v8 = require('v8') as { setFlagsFromString(flags: string): void };

describe('V8 engine flags', () => {
  const setFlags = jest.spyOn(v8, 'setFlagsFromString');
  // Recorded, not applied: this test must not change the test process's engine either.
  setFlags.mockImplementation(() => undefined);
  afterAll(() => setFlags.mockRestore());

  function work(): void {
    tf.tidy(() => {
      const x = randomTensor([4, 9, 64], 1);
      const w = randomTensor([64, 48], 2);
      tf.grad((p: tf.Tensor) => tf.sum(gelu(layerNorm(tf.matMul(p, w, false, false), tf.ones([48]), tf.zeros([48]), 1e-6))))(x);
      tf.sum(x, 0).dataSync();
    });
  }

  it('importing, registering, selecting wasm and running the generated kernels touch none', async () => {
    const pack = await import('../index');
    pack.registerWasmKernels();
    await selectBackend('wasm', { quiet: true });
    work();
    expect(pack.relaxedSimdAvailable()).toEqual(expect.any(Boolean));
    expect(setFlags).not.toHaveBeenCalled();
    expect(pack.fastWasmEngine()).toEqual({ optimizingTier: false, relaxedSimdFlag: false });
  });

  it('registerWasmKernels({ fastEngine: true }) sets relaxed SIMD once and compiles with Liftoff off around each compile', async () => {
    const pack = await import('../index');
    pack.registerWasmKernels({ fastEngine: true });
    expect(setFlags.mock.calls).toEqual([['--experimental-wasm-relaxed-simd']]);
    expect(pack.fastWasmEngine()).toEqual({ optimizingTier: true, relaxedSimdFlag: true });
    work(); // the kernels compiled before are compiled again, now on the optimising tier
    const calls = setFlags.mock.calls.map((c) => c[0]);
    expect(calls.filter((c) => c === '--no-liftoff').length).toBeGreaterThan(0);
    expect(calls.filter((c) => c === '--no-liftoff').length).toBe(calls.filter((c) => c === '--liftoff').length);
    expect(calls[calls.length - 1]).toBe('--liftoff');
    pack.enableFastWasmEngine(); // idempotent
    expect(setFlags.mock.calls.filter((c) => c[0] === '--experimental-wasm-relaxed-simd')).toHaveLength(1);
  });
});
