import { tf } from '../tf';
import { selectBackend } from '../backend/select-backend';
import { measureTensorLeak, NO_TENSOR_LEAK, randomTensor, relError, runOn } from '../testing/numerics';
import { fusedAttention } from './attention';

/** The composed reference: the same math through tfjs autograd. */
function composed(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, scale: number): tf.Tensor4D {
  return tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)) as tf.Tensor4D, v);
}

// Self-attention (Nq = Nk) and cross-attention shapes (CrossViT's class token attends to Nk tokens), odd sizes.
const shapes: Array<[number[], number[]]> = [
  [
    [2, 3, 5, 4],
    [2, 3, 5, 4],
  ],
  [
    [3, 2, 1, 6],
    [3, 2, 9, 6],
  ],
];

describe('fusedAttention (softmax(q·kᵀ·scale)·v with a custom gradient)', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
    await selectBackend('wasm', { quiet: true }); // with the kernel pack, where installed
  });

  it.each(shapes)('matches the composed ops, values and the gradients of q, k and v: q %j, k/v %j', async (qs, ks) => {
    const f = (fn: typeof composed) => () => {
      const q = randomTensor(qs, 1) as tf.Tensor4D;
      const k = randomTensor(ks, 2) as tf.Tensor4D;
      const v = randomTensor(ks, 3) as tf.Tensor4D;
      const r = randomTensor([...qs.slice(0, 3), ks[3]], 4);
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(fn(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, 0.4), r));
      return [fn(q, k, v, 0.4), ...tf.grads(loss)([q, k, v])];
    };
    const ref = await runOn('cpu', f(composed));
    for (const backend of ['cpu', 'wasm'] as const) {
      const got = await runOn(backend, f(fusedAttention));
      expect(got.length).toBe(4);
      for (let i = 0; i < 4; i++) expect(relError(got[i], ref[i])).toBeLessThan(1e-5);
    }
  });

  it('keeps less on the tape than the composed ops over a stack of layers, and leaks nothing', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([4, 2, 16, 8], 5) as tf.Tensor4D;
    // four chained self-attention layers: the composed ops keep scores, scaled scores and probabilities of every
    // layer (and their gradients) until the backward pass ends
    const stack = (fn: typeof composed) => (a: tf.Tensor) => {
      let h = a as tf.Tensor4D;
      for (let i = 0; i < 4; i++) h = fn(h, h, h, 0.5);
      return tf.sum(h);
    };
    const peak = async (fn: typeof composed) =>
      (await tf.profile(() => tf.dispose(tf.grads(stack(fn))([x])))).peakBytes;
    const fusedPeak = await peak(fusedAttention);
    const composedPeak = await peak(composed);
    expect(fusedPeak).toBeLessThan(composedPeak * 0.7);
    expect(measureTensorLeak(() => [fusedAttention(x, x, x, 0.5), ...tf.grads(stack(fusedAttention))([x])])).toEqual(NO_TENSOR_LEAK);
    x.dispose();
  });
});
