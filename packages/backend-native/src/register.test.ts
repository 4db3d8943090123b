import * as tf from '@tensorflow/tfjs';
import { addonCandidates, loadAddon } from './addon';
import { NATIVE_KERNELS, registerNativeBackend } from './register';
import { describeNative, requireNative, values } from './testing/compare';

describe('loadAddon', () => {
  it('looks for the build from source first (only someone who built it has one), then the prebuilt binary for this platform', () => {
    const [local, prebuilt] = addonCandidates('/pkg');
    expect(prebuilt).toBe(`/pkg/prebuilds/${process.platform}-${process.arch}/vitkit_native.node`);
    expect(local).toBe('/pkg/build/Release/vitkit_native.node');
  });

  it('either loads or says in one line why and how to get the engine', () => {
    const r = loadAddon();
    if (!r.ok) {
      expect(r.reason).toMatch(/apt-get install .*libopenblas-dev.*build:native/);
      expect(r.reason).not.toContain('\n');
    } else {
      expect(typeof r.addon.gemmBatched).toBe('function');
    }
  });
});

describeNative('registerNativeBackend', () => {
  beforeAll(requireNative);

  it('registers every cpu kernel for native, the hot ones replaced', async () => {
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelName);
    const native = new Set(tf.getKernelsForBackend('native').map((k) => k.kernelName));
    expect(cpu.filter((k) => !native.has(k))).toEqual([]);
    for (const k of NATIVE_KERNELS) expect(tf.getKernel(k, 'native')?.kernelFunc).not.toBe(tf.getKernel(k, 'cpu')?.kernelFunc);
  });

  it('is idempotent and sets the OpenBLAS thread count', async () => {
    const r = await registerNativeBackend({ threads: 1 });
    expect(r).toMatchObject({ ok: true, backend: 'native', threads: 1 });
    await registerNativeBackend({ threads: 2 });
    expect(await registerNativeBackend({ threads: 0 })).toMatchObject({ ok: false, reason: expect.stringContaining('threads') });
  });

  it('a training step (matmul, conv, fused ops, softmax) leaves no tensors and no backend data behind', async () => {
    await tf.setBackend('native');
    const w = tf.variable(tf.tensor(values(3 * 3 * 2 * 4, 1), [3, 3, 2, 4]));
    const v = tf.variable(tf.tensor(values(4 * 5, 2), [4, 5]));
    const x = tf.tensor(values(2 * 6 * 6 * 2, 3), [2, 6, 6, 2]);
    const opt = tf.train.adam(0.01);
    const step = () =>
      tf.tidy(() => {
        const cost = opt.minimize(() => {
          const h = tf.conv2d(x as tf.Tensor4D, w as unknown as tf.Tensor4D, 1, 'same');
          const z = tf.matMul(tf.reshape(h, [-1, 4]), v);
          return tf.mean(tf.softmax(tf.fused.matMul({ a: z, b: v, transposeB: true, activation: 'relu' })));
        }, true);
        return cost!.dataSync()[0];
      });
    step(); // the optimizer creates its slots on the first step
    const tensors = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(dataIds);
    opt.dispose();
    tf.dispose([w, v, x]);
  });
});
