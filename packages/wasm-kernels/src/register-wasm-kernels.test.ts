import { Block, selectBackend, tf } from '@vitkit/core';
import { registerWasmKernels, wasmKernelConfigs, wasmKernelsRegistered } from './register-wasm-kernels';
import { randomTensor, relError, runOn } from './testing/kernel-tests';

const expectedNames = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'UnsortedSegmentSum',
  'Sum',
  'Mean',
  'MaxPoolGrad',
  'Transpose',
  'Identity',
  'Cast',
  'VitkitLayerNorm',
  'VitkitLayerNormGrad',
  'VitkitGelu',
  'VitkitGeluGrad',
  'SplitV',
];

function mixedWork(): tf.Tensor[] {
  const a = randomTensor([6, 5], 1);
  const b = randomTensor([7, 5], 2);
  const plain = tf.matMul(a, randomTensor([5, 4], 3)); // stock fast path (fall-back kernel)
  const x = randomTensor([1, 6, 6, 2], 4) as tf.Tensor4D;
  const w = randomTensor([3, 3, 2, 3], 5) as tf.Tensor4D;
  const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same')))([x, w]);
  const g = tf.grad((p: tf.Tensor) => tf.sum(tf.gather(p, tf.tensor1d([1, 1, 0], 'int32'))))(a);
  const m = tf.grad((p: tf.Tensor) => tf.sum(tf.maxPool(p as tf.Tensor4D, 2, 2, 'valid')))(x);
  const t5 = tf.transpose(randomTensor([2, 3, 2, 4, 5], 6), [2, 0, 3, 1, 4]);
  const [s0, s1] = tf.split(randomTensor([3, 8], 7), 2, 1);
  return [tf.matMul(a, b, false, true), plain, dx, dw, g, m, tf.sum(b, 0), t5, s0, s1];
}

describe('registerWasmKernels', () => {
  it('can register before the wasm backend is initialised; kernels and fall-backs then work', async () => {
    const engineRegistry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
    expect(engineRegistry.wasm).toBeUndefined(); // no wasm backend instance yet
    const names = registerWasmKernels();
    expect(engineRegistry.wasm).toBeUndefined();
    expect(names).toEqual(expectedNames);
    expect(wasmKernelsRegistered()).toBe(true);
    await selectBackend('cpu', { quiet: true });
    await selectBackend('wasm', { quiet: true });
    expect(tf.getBackend()).toBe('wasm');
    const ref = await runOn('cpu', mixedWork);
    const got = await runOn('wasm', mixedWork);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('is idempotent: a second call changes nothing and warns nothing', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const before = wasmKernelConfigs.map((c) => tf.getKernel(c.kernelName, 'wasm'));
      expect(registerWasmKernels()).toEqual(expectedNames);
      expect(registerWasmKernels()).toEqual(expectedNames);
      const after = wasmKernelConfigs.map((c) => tf.getKernel(c.kernelName, 'wasm'));
      after.forEach((k, i) => expect(k?.kernelFunc).toBe(before[i]?.kernelFunc));
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    const got = await runOn('wasm', mixedWork);
    expect(got.every((v) => v.every((e) => Number.isFinite(e)))).toBe(true);
  });

  it('a small attention + MLP training step: loss and tf.variableGrads match cpu', async () => {
    const step = () => {
      const B = 2,
        N = 16,
        D = 48,
        H = 3,
        hd = D / H; // N·hd·N above the tiny-product threshold
      const vars = {
        qkv: tf.variable(randomTensor([D, 3 * D], 1).mul(0.15), true, 'qkv'),
        proj: tf.variable(randomTensor([D, D], 2).mul(0.15), true, 'proj'),
        bias: tf.variable(randomTensor([D], 3), true, 'bias'),
        emb: tf.variable(randomTensor([10, D], 4), true, 'emb'),
        head: tf.variable(randomTensor([D, 5], 5), true, 'head'),
      };
      const tokens = tf.tensor2d(
        Array.from({ length: B * N }, (_, i) => (i * 7 + 3) % 10),
        [B, N],
        'int32'
      );
      const labels = tf.oneHot(tf.tensor1d([1, 4], 'int32'), 5);
      const { value, grads } = tf.variableGrads(() => {
        const x = tf.reshape(tf.gather(vars.emb, tf.reshape(tokens, [-1])), [B * N, D]);
        const qkv = tf.reshape(tf.matMul(x, vars.qkv), [B, N, 3, H, hd]);
        const [q, k, v] = tf
          .split(qkv, 3, 2)
          .map((t) => tf.reshape(tf.transpose(tf.reshape(t, [B, N, H, hd]), [0, 2, 1, 3]), [B * H, N, hd]));
        const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)));
        const o = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v), [B, H, N, hd]), [0, 2, 1, 3]), [B * N, D]);
        const y = tf.add(tf.matMul(o, vars.proj), vars.bias);
        const pooled = tf.mean(tf.reshape(y, [B, N, D]), 1);
        return tf.losses.softmaxCrossEntropy(labels, tf.matMul(pooled, vars.head)) as tf.Scalar;
      });
      const names = Object.keys(grads).sort();
      const out = [value, ...names.map((n) => grads[n])];
      tf.dispose(Object.values(vars));
      return out;
    };
    const ref = await runOn('cpu', step);
    const got = await runOn('wasm', step);
    expect(got.length).toBe(6);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('a core transformer Block: tf.variableGrads of all parameters and of the input match cpu', async () => {
    const step = () => {
      const block = new Block(48, { numHeads: 3, mlpRatio: 2, qkvBias: true, normEps: 1e-6 });
      const params = block.namedParameters();
      params.forEach(([, p], i) => p.variable.assign(tf.mul(randomTensor(p.variable.shape, 500 + i), 0.2)));
      const x = tf.variable(randomTensor([2, 17, 48], 1), true);
      const r = randomTensor([2, 17, 48], 2);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(block.forward(x), r)) as tf.Scalar,
        [x, ...params.map(([, p]) => p.variable)]
      );
      const out = [value, grads[x.name], ...params.map(([, p]) => grads[p.variable.name])];
      block.dispose();
      x.dispose();
      return out;
    };
    const ref = await runOn('cpu', step);
    const got = await runOn('wasm', step);
    expect(got.length).toBeGreaterThan(10);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('registers for the wasm backend only', () => {
    for (const cfg of wasmKernelConfigs) {
      expect(cfg.backendName).toBe('wasm');
      expect(tf.getKernel(cfg.kernelName, 'cpu')?.kernelFunc).not.toBe(cfg.kernelFunc);
    }
  });
});
