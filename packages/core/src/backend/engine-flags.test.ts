// Importing core, selecting wasm and running the kernel pack leave V8's flags alone; allowEngineFlags() (what the
// CLI calls for its own process) is the only way in, and it reaches worker threads through $VITKIT_ENGINE_FLAGS.
import { tf } from '../tf';
import { gelu } from '../ops/gelu';
import { layerNorm } from '../ops/layer-norm';
import { selectBackend } from './select-backend';
import { allowEngineFlags, ENGINE_FLAGS_ENV } from './wasm-kernel-pack';

// The module object itself (what the pack calls), so that the spy sees its calls.
const v8 = require('v8') as { setFlagsFromString(flags: string): void };

describe('engine flags of the host process', () => {
  const saved = process.env[ENGINE_FLAGS_ENV];
  const setFlags = jest.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined); // recorded, not applied
  afterAll(() => {
    setFlags.mockRestore();
    if (saved === undefined) delete process.env[ENGINE_FLAGS_ENV];
    else process.env[ENGINE_FLAGS_ENV] = saved;
  });

  const work = () =>
    tf.tidy(() => {
      const x = tf.randomUniform([3, 5, 32]);
      tf.grad((p: tf.Tensor) => tf.sum(gelu(layerNorm(tf.matMul(p, tf.ones([32, 32])), tf.ones([32]), tf.zeros([32]), 1e-6))))(x).dataSync();
    });

  it('are untouched by importing core, selecting wasm with its kernel pack and running it', async () => {
    delete process.env[ENGINE_FLAGS_ENV];
    await selectBackend('wasm', { quiet: true });
    work();
    expect(setFlags).not.toHaveBeenCalled();
  });

  it('change only after allowEngineFlags(), which also tells the workers started later', async () => {
    allowEngineFlags();
    expect(process.env[ENGINE_FLAGS_ENV]).toBe('1');
    expect(setFlags).toHaveBeenCalledWith('--experimental-wasm-relaxed-simd');
    work();
    expect(setFlags).toHaveBeenCalledWith('--no-liftoff');
  });
});
