// Heap addresses past 2 GiB: Emscripten returns wasm32 pointers to JS as signed numbers, so a pack that used them
// as they come broke as soon as the heap passed 2 GiB (`RangeError: Start offset -2128708792` in Sum). Here the
// heap is grown past 2 GiB with one untouched allocation (virtual memory: it costs no RAM), every free block below
// it is used up, so that each tensor and scratch buffer of the kernels lands above 2 GiB, and the kernels are compared
// with the cpu backend, with the generated code and with the fall-backs.
import { gelu, layerNorm, tf } from '@vitkit/core';
import { describeJitModes, randomTensor, relError, runOn, setupBackends, wasmBackend } from '../testing/kernel-tests';
import { heapAddress, ptrOf, WasmBackend } from './wasm-backend';

const TWO_GIB = 2 ** 31;

/** Grows the heap past 2 GiB and fills every free block below the top; returns the blocks to free afterwards. */
function pushAllocationsAbove2GiB(backend: WasmBackend): number[] {
  const held: number[] = [];
  const malloc = (bytes: number) => {
    const p = heapAddress(backend.wasm._malloc(bytes));
    if (p === 0) throw new Error(`could not allocate ${bytes} bytes`);
    held.push(p);
    return p;
  };
  const heapBytes = backend.wasm.HEAPU8.buffer.byteLength;
  const ballast = malloc(TWO_GIB + 64 * 2 ** 20 - heapBytes);
  // Best fit takes the free blocks below the ballast before the top of the heap: take them all, large to small.
  for (let size = 2 ** 26; size >= 16; size /= 2) {
    for (;;) {
      const p = malloc(size);
      if (p > ballast) {
        backend.wasm._free(p);
        held.pop();
        break;
      }
    }
  }
  return held;
}

describe('the kernel pack with every address above 2 GiB', () => {
  let held: number[] = [];
  let backend: WasmBackend;
  beforeAll(async () => {
    await setupBackends();
    backend = wasmBackend();
    held = pushAllocationsAbove2GiB(backend);
    expect(wasmBackend().wasm.HEAPU8.buffer.byteLength).toBeGreaterThan(TWO_GIB);
  });
  afterAll(() => {
    for (const p of held) backend.wasm._free(p);
  });

  /** Runs `fn` on wasm, checking that its inputs and results live above 2 GiB, and on cpu; compares the two. */
  async function expectSameAsCpu(fn: () => tf.Tensor[], tolerance = 1e-5): Promise<void> {
    const addresses: number[] = [];
    const got = await runOn('wasm', () => {
      const outs = fn();
      for (const t of outs) addresses.push(ptrOf(wasmBackend(), t));
      return outs;
    });
    const ref = await runOn('cpu', fn);
    for (const a of addresses) expect(a).toBeGreaterThan(TWO_GIB);
    got.forEach((g, i) => expect(relError(g, ref[i])).toBeLessThan(tolerance));
  }

  describeJitModes(() => {
    it('inputs land above 2 GiB', async () => {
      await runOn('wasm', () => {
        const x = randomTensor([8, 8], 1);
        expect(ptrOf(wasmBackend(), x)).toBeGreaterThan(TWO_GIB);
        return [x];
      });
    });

    it('Sum and Mean over the leading axes (float64 accumulators malloc-ed on the heap)', async () => {
      await expectSameAsCpu(() => {
        const x = randomTensor([6, 33, 40], 2);
        return [tf.sum(x, 0), tf.sum(x, [0, 1]), tf.mean(x, 0), tf.sum(x.reshape([198, 40]), 0)];
      });
    });

    it('GEMM: plain, transposed and batched matMul and their gradients (packing scratch on the heap)', async () => {
      await expectSameAsCpu(() => {
        const a = randomTensor([3, 37, 29], 3);
        const b = randomTensor([3, 41, 29], 4);
        const w = randomTensor([29, 52], 5);
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q, false, true)))([a, b]);
        return [tf.matMul(a, b, false, true), tf.matMul(a.reshape([111, 29]), w), tf.matMul(a, b.slice([0, 0, 0], [3, 37, 29]), true), da, db];
      });
    });

    it('LayerNorm and GELU, forward and backward', async () => {
      await expectSameAsCpu(() => {
        const x = randomTensor([5, 7, 64], 6);
        const g = randomTensor([64], 7);
        const b = randomTensor([64], 8);
        const [dx, dg, db] = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(layerNorm(p, q, r, 1e-6), p)))([x, g, b]);
        const dgelu = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(gelu(p), p)))(x);
        return [layerNorm(x, g, b, 1e-6), dx, dg, db, gelu(x), dgelu];
      }, 1e-4);
    });

    it('conv gradients, rank-5 Transpose, SplitV and the gather gradient', async () => {
      await expectSameAsCpu(() => {
        const x = randomTensor([2, 9, 9, 6], 9) as tf.Tensor4D;
        const w = randomTensor([3, 3, 6, 5], 10) as tf.Tensor4D;
        const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same')))([x, w]);
        const t5 = tf.transpose(randomTensor([2, 3, 4, 5, 6], 11), [2, 0, 3, 1, 4]);
        const [s0, s1] = tf.split(randomTensor([5, 24], 12), [10, 14], 1);
        const dg = tf.grad((p: tf.Tensor) => tf.sum(tf.gather(p, tf.tensor1d([3, 1, 3, 0], 'int32'))))(randomTensor([6, 16], 13));
        return [dx, dw, t5, s0, s1, dg];
      });
    });
  });
});
