import * as tf from '@tensorflow/tfjs';
import { Attention, AttentionRecorder, selfAttentionFromQkv } from '@vitkit/core';
import { describeNative, nativeVsCpu, requireNative, values } from '../testing/compare';
import { MHA, MHA_GRAD } from './multi-head-attention';

/** Kernel names run by `f` on the active backend. */
async function kernelsRun(f: () => tf.Tensor): Promise<string[]> {
  const info = await tf.profile(() => f());
  return info.kernelNames;
}

describeNative('native multi-head attention from qkv against the composed cpu ops', () => {
  beforeAll(requireNative);

  // cpu has no MHA kernel, so there selfAttentionFromQkv composes split, head transposes and softmax·v: the reference.
  it.each([
    { name: 'ViT-like (class token, odd token count)', b: 2, n: 17, heads: 3, d: 8 },
    { name: 'one image, one head', b: 1, n: 5, heads: 1, d: 4 },
    { name: 'more pairs than threads, wide heads', b: 3, n: 9, heads: 4, d: 32 },
  ])('$name: values and the gradient of qkv', async ({ b, n, heads, d }) => {
    const scale = d ** -0.5;
    const diff = await nativeVsCpu((qkv) => selfAttentionFromQkv(qkv, heads, scale), [{ shape: [b, n, 3 * heads * d], seed: 7, scale: 2 }]);
    expect(diff).toBeLessThan(2e-5);
  });

  it('core Attention runs the fused kernel each way on native, with no head transposes or split', async () => {
    await tf.setBackend('native');
    const attn = new Attention(24, { numHeads: 3, qkvBias: true });
    const x = tf.tensor3d(values(2 * 10 * 24, 3), [2, 10, 24]);
    const forward = await kernelsRun(() => attn.forward(x));
    expect(forward).toContain(MHA);
    expect(forward).not.toContain('Transpose');
    expect(forward).not.toContain('SplitV');
    const backward = await kernelsRun(() => tf.grad((t: tf.Tensor) => tf.sum(attn.forward(t)))(x));
    expect(backward).toContain(MHA_GRAD);
    expect(backward).not.toContain('Transpose');
    x.dispose();
  });

  it('falls back to the composed ops while an AttentionRecorder needs the probabilities', async () => {
    await tf.setBackend('native');
    const attn = new Attention(8, { numHeads: 2 });
    const x = tf.tensor3d(values(1 * 4 * 8, 5), [1, 4, 8]);
    const recorder = AttentionRecorder.start(attn);
    const names = await kernelsRun(() => attn.forward(x));
    recorder.stop();
    const recorded = recorder.maps.length;
    recorder.dispose();
    expect(names).not.toContain(MHA);
    expect(recorded).toBe(1);
    x.dispose();
  });

  it('leaks no tensor in a forward and backward pass', async () => {
    await tf.setBackend('native');
    const qkv = tf.tensor3d(values(2 * 6 * 12, 9), [2, 6, 12]);
    const before = tf.memory().numTensors;
    const g = tf.grad((t: tf.Tensor) => tf.sum(selfAttentionFromQkv(t, 2, 0.5)))(qkv);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    qkv.dispose();
  });

  it('without a gradient tape the probabilities are not kept: empty probs, the same output', async () => {
    await tf.setBackend('native');
    // 3 images × 4 heads of 33 tokens: more pairs than threads, rows that are not a multiple of the SIMD width
    const qkv = tf.tensor3d(values(3 * 33 * 3 * 4 * 16, 11, 3), [3, 33, 3 * 4 * 16]);
    const [kept, probs] = tf.engine().runKernel(MHA, { qkv }, { heads: 4, scale: 0.25 }) as tf.Tensor[];
    const [unkept, none] = tf.engine().runKernel(MHA, { qkv }, { heads: 4, scale: 0.25, probs: false }) as tf.Tensor[];
    expect(probs.shape).toEqual([3, 4, 33, 33]);
    expect(none.shape).toEqual([0]);
    // the rows are divided by the softmax sums after the product instead of before it: a rounding apart (|out| ≲ 3)
    expect(tf.max(tf.abs(tf.sub(unkept, kept))).dataSync()[0]).toBeLessThan(1e-5);
    // core's op asks for it exactly when nothing records a gradient
    const names = await kernelsRun(() => selfAttentionFromQkv(qkv, 4, 0.25));
    expect(names).toContain(MHA);
    const inference = tf.tidy(() => selfAttentionFromQkv(qkv, 4, 0.25));
    expect(tf.max(tf.abs(tf.sub(inference, unkept))).dataSync()[0]).toBe(0);
    tf.dispose([qkv, kept, probs, unkept, none, inference]);
  });

  it('refuses a qkv whose width is not 3·heads·headDim, naming the kernel and the shape', async () => {
    await tf.setBackend('native');
    const bad = tf.zeros([1, 4, 10]);
    expect(() => tf.engine().runKernel(MHA, { qkv: bad }, { heads: 2, scale: 1 })).toThrow(/VitkitMultiHeadAttention: qkv must be \[batch, tokens, 3·heads·headDim\] with 2 heads, got \[1,4,10\]/);
    bad.dispose();
  });
});
