import { tf } from '@vitkit/core';
import { batchMatMulConfig, fusedMatMulConfig } from './batch-mat-mul';
import { describeJitModes, measureLeak, NO_LEAK, randomTensor, relError, runOn, setupBackends } from '../testing/kernel-tests';

const expectNoLeakOf = (fn: () => tf.TensorContainer) => expect(measureLeak(fn)).toEqual(NO_LEAK);

type Case = {
  a: number[];
  b: number[];
  tA?: boolean;
  tB?: boolean;
  grad?: boolean;
};

const cases: Case[] = [
  { a: [7, 5], b: [5, 3], grad: true },
  { a: [7, 5], b: [3, 5], tB: true, grad: true },
  { a: [5, 7], b: [5, 3], tA: true, grad: true },
  { a: [5, 7], b: [3, 5], tA: true, tB: true, grad: true },
  { a: [65, 33], b: [65, 47], tA: true, grad: true },
  { a: [37, 66], b: [29, 66], tB: true, grad: true },
  { a: [2, 3, 7, 5], b: [2, 3, 5, 4], grad: true },
  { a: [3, 9, 17], b: [3, 9, 17], tB: true, grad: true },
  { a: [3, 17, 9], b: [3, 17, 11], tA: true, grad: true },
  { a: [4, 7, 5], b: [5, 6] },
  { a: [4, 5, 7], b: [6, 5], tA: true, tB: true },
  { a: [7, 5], b: [4, 5, 6] },
  { a: [2, 1, 7, 5], b: [1, 3, 5, 6] },
  { a: [2, 1, 7, 5], b: [1, 3, 6, 5], tB: true },
  { a: [1, 40], b: [40, 1], grad: true },
  { a: [40, 1], b: [1, 30], grad: true },
  { a: [6, 1, 31], b: [6, 31, 1], tA: false, grad: true },
];

describe('wasm BatchMatMul kernel', () => {
  beforeAll(setupBackends);

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).toBe(batchMatMulConfig.kernelFunc);
    expect(tf.getKernel('_FusedMatMul', 'wasm')?.kernelFunc).toBe(fusedMatMulConfig.kernelFunc);
  });

  // Both GEMM engines behind the kernel: the generated FMA GEMM (default) and XNNPACK (the threaded build's).
  describeJitModes(() => {
    it.each(cases.map((c, i) => [`${c.a}${c.tA ? 'ᵀ' : ''} x ${c.b}${c.tB ? 'ᵀ' : ''}`, i] as const))(
      'matches cpu: %s',
      async (_name, i) => {
        const c = cases[i];
        // The reference broadcasts the batch dims explicitly (the cpu kernel mishandles a batch dim of 1 in both).
        const f = (explicit: boolean) => () => {
          let a = randomTensor(c.a, 11 + i);
          let b = randomTensor(c.b, 97 + i);
          if (explicit) {
            const batch = tf.backend_util.assertAndGetBroadcastShape(c.a.slice(0, -2), c.b.slice(0, -2));
            a = tf.broadcastTo(a, [...batch, ...c.a.slice(-2)]);
            b = tf.broadcastTo(b, [...batch, ...c.b.slice(-2)]);
          }
          const y = tf.matMul(a, b, c.tA, c.tB);
          if (!c.grad) return [y];
          const r = randomTensor(y.shape, 5);
          const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, c.tA, c.tB), r)));
          const [da, db] = g([a, b]);
          return [y, da, db];
        };
        const ref = await runOn('cpu', f(true));
        const got = await runOn('wasm', f(false));
        expect(got.length).toBe(ref.length);
        for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
      }
    );
  });

  it('fused matMul with bias and activation matches cpu (transposed and batched)', async () => {
    const f = () => {
      const a = randomTensor([3, 9, 7], 1);
      const b = randomTensor([3, 5, 9], 2);
      const bias = randomTensor([5], 3);
      const y1 = tf.fused.matMul({
        a,
        b,
        transposeA: true,
        transposeB: true,
        bias,
        activation: 'relu',
      });
      const a2 = randomTensor([13, 8], 4);
      const b2 = randomTensor([6, 8], 5);
      const y2 = tf.fused.matMul({
        a: a2,
        b: b2,
        transposeB: true,
        bias: randomTensor([6], 6),
        activation: 'elu',
      });
      const y3 = tf.fused.matMul({
        a: a2,
        b: b2,
        transposeB: true,
        activation: 'leakyrelu',
        leakyreluAlpha: 0.3,
      });
      const y4 = tf.fused.matMul({
        a: a2,
        b: randomTensor([8, 6], 8),
        bias: randomTensor([6], 7),
        activation: 'relu6',
      });
      return [y1, y2, y3, y4];
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('is right when the same data is reused as B under another 2-D shape (stock wasm 4.22 is not)', async () => {
    const f = () => {
      const w = randomTensor([6, 4], 1);
      const w2 = tf.reshape(w, [4, 6]); // shares w's data (and its wasm tensor id)
      const w3 = tf.reshape(w, [3, 8]);
      const y1 = tf.matMul(randomTensor([3, 6], 2), w);
      const y2 = tf.matMul(randomTensor([5, 4], 3), w2);
      const y3 = tf.matMul(randomTensor([2, 7, 3], 4), w3);
      const y4 = tf.fused.matMul({
        a: randomTensor([5, 4], 5),
        b: w2,
        bias: randomTensor([6], 6),
        activation: 'relu',
      });
      const y5 = tf.matMul(randomTensor([3, 6], 7), w);
      return [y1, y2, y3, y4, y5];
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('leaks no tensor, backend buffer or heap (views are released)', async () => {
    await runOn('wasm', () => []);
    const a = randomTensor([4, 33, 20], 1);
    const b = randomTensor([4, 21, 20], 2);
    const w = randomTensor([20, 21], 3);
    expectNoLeakOf(() => [
      tf.matMul(a, b, false, true),
      tf.matMul(a, w),
      tf.matMul(a, a, true, false),
      tf.grads((p: tf.Tensor) => tf.sum(tf.matMul(p, b, false, true)))([a]),
    ]);
    tf.dispose([a, b, w]);
  });
});
