import { tf } from '@vitkit/core';
import { castConfig } from './cast';
import { identityConfig } from './identity';
import { measureLeak, NO_LEAK, randomTensor, relError, runOn, setupBackends, wasmBackend } from '../testing/kernel-tests';

const heapOffset = (t: tf.Tensor) => wasmBackend().dataIdMap.get(t.dataId)?.memoryOffset;

describe('wasm Identity and Cast kernels (copy-free)', () => {
  beforeAll(setupBackends);

  it('are the registered wasm kernels', () => {
    expect(tf.getKernel('Identity', 'wasm')?.kernelFunc).toBe(identityConfig.kernelFunc);
    expect(tf.getKernel('Cast', 'wasm')?.kernelFunc).toBe(castConfig.kernelFunc);
  });

  it('clone and a same-dtype cast share the data; a real cast converts', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([3, 5], 1);
    const y = x.clone();
    const z = tf.cast(x, 'float32');
    expect(heapOffset(y)).toBe(heapOffset(x));
    expect(heapOffset(z)).toBe(heapOffset(x));
    const i = tf.cast(tf.mul(x, 10), 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual(Array.from(x.dataSync()).map((v) => Math.trunc(Math.fround(v * 10)) | 0));
    // disposing the source keeps the clone's values (reference counted)
    const before = Array.from(x.dataSync());
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(before);
    tf.dispose([y, z, i]);
  });

  it('a variable assigned after a clone leaves the clone unchanged', async () => {
    await runOn('wasm', () => []);
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const c = v.clone();
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([v, c]);
  });

  it('gradients through saved (cloned) tensors match cpu', async () => {
    const f = () => {
      const x = randomTensor([4, 6], 3);
      const w = randomTensor([6, 5], 4);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.mul(tf.matMul(a, b), tf.sigmoid(tf.matMul(a, b))))));
      return g([x, w]);
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-6);
  });

  it('leaks nothing', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([2, 3], 1);
    expect(measureLeak(() => [x.clone(), tf.cast(x, 'float32'), tf.cast(x, 'int32'), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(a, a)))(x)])).toEqual(NO_LEAK);
    x.dispose();
  });
});
