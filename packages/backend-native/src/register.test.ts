import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { addonCandidates, loadAddon, platformPackageName } from './addon';
import { NATIVE_KERNELS, registerNativeBackend } from './register';
import { describeNative, requireNative, values } from './testing/compare';

describe('loadAddon', () => {
  it('without a platform package, looks for the build from source first (only someone who built it has one), then prebuilds/', () => {
    const [local, prebuilt, ...rest] = addonCandidates('/pkg');
    expect(local).toBe('/pkg/build/Release/vitkit_native.node');
    expect(prebuilt).toBe(`/pkg/prebuilds/${process.platform}-${process.arch}/vitkit_native.node`);
    expect(rest).toEqual([]);
  });

  it("puts this platform's package, as npm installs it beside the package, between the two", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-loader-order-'));
    try {
      const main = path.join(project, 'node_modules', '@vitkit', 'backend-native');
      const platform = path.join(project, 'node_modules', platformPackageName());
      fs.mkdirSync(main, { recursive: true });
      fs.mkdirSync(platform, { recursive: true });
      fs.writeFileSync(path.join(platform, 'package.json'), JSON.stringify({ name: platformPackageName(), exports: { './vitkit_native.node': './vitkit_native.node' } }));
      fs.writeFileSync(path.join(platform, 'vitkit_native.node'), '');
      expect(addonCandidates(main)).toEqual([
        path.join(main, 'build', 'Release', 'vitkit_native.node'),
        path.join(platform, 'vitkit_native.node'),
        path.join(main, 'prebuilds', `${process.platform}-${process.arch}`, 'vitkit_native.node'),
      ]);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  it('names the platform package by platform and architecture, as npm\'s "os" and "cpu" do', () => {
    expect(platformPackageName('linux', 'x64')).toBe('@vitkit/backend-native-linux-x64');
    expect(platformPackageName('darwin', 'arm64')).toBe('@vitkit/backend-native-darwin-arm64');
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
