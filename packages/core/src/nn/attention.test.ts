import { tf } from '../tf';
import { countMacs } from '../ops/macs';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { attention64, attentionCore64, expectGradientsMatch, maxAbsDiff, randomizeParameters, seededValues } from '../testing/gradcheck';
import { Attention, mergeHeads, scaledDotProductAttention, selfAttentionFromQkv, splitHeads } from './attention';

describe.each(TEST_BACKENDS)('attention primitives on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('splitHeads / mergeHeads move contiguous channel groups to a head axis and back', () => {
    // [B=1, N=2, C=4], 2 heads of width 2: head 0 = channels 0,1; head 1 = channels 2,3
    const x = tf.tensor3d([[[0, 1, 2, 3], [4, 5, 6, 7]]]);
    const h = splitHeads(x, 2);
    expect(h.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(h.dataSync())).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
    const back = mergeHeads(h);
    expect(Array.from(back.dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    tf.dispose([x, h, back]);
  });

  it('selfAttentionFromQkv takes head h of q, k and v from columns h·d… of each third and merges heads in order', () => {
    // 2 heads of width 1, 2 tokens; head 0 attends uniformly (zero q), head 1 picks token 1 (large q·k)
    const q = [[0, 10], [0, 10]];
    const k = [[0, 0], [0, 1]];
    const v = [[1, 100], [3, 300]];
    const qkv = tf.tensor3d([[0, 1].map((t) => [...q[t], ...k[t], ...v[t]])]);
    const y = selfAttentionFromQkv(qkv, 2, 1);
    const w = 1 / (1 + Math.exp(-10));
    expect(y.shape).toEqual([1, 2, 2]);
    expect(maxAbsDiff(y.dataSync(), [2, 100 * (1 - w) + 300 * w, 2, 100 * (1 - w) + 300 * w])).toBeLessThan(1e-3);
    tf.dispose([qkv, y]);
  });

  it('selfAttentionFromQkv refuses a qkv that is not [batch, tokens, 3·heads·headDim]', () => {
    const bad = tf.zeros([1, 4, 10]);
    expect(() => selfAttentionFromQkv(bad, 2, 1)).toThrow('selfAttentionFromQkv: qkv must be [batch, tokens, 3·heads·headDim] with 2 heads, got [1,4,10]');
    bad.dispose();
  });

  it('scaledDotProductAttention: one hand-checked case and a naive float64 reference with Nq ≠ Nk', () => {
    // One query [1, 0], keys [1, 0] and [0, 1], scale 2 ⇒ logits [2, 0] ⇒ weights [e²/(e²+1), 1/(e²+1)].
    const q = tf.tensor4d([1, 0], [1, 1, 1, 2]);
    const k = tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2]);
    const v = tf.tensor4d([10, 0, 0, 10], [1, 1, 2, 2]);
    const y = scaledDotProductAttention(q, k, v, 2);
    const w0 = Math.exp(2) / (Math.exp(2) + 1);
    expect(maxAbsDiff(y.dataSync(), [10 * w0, 10 * (1 - w0)])).toBeLessThan(1e-5);
    tf.dispose([q, k, v, y]);

    const [b, h, nq, nk, d] = [2, 3, 2, 5, 4];
    const qs = seededValues(b * nq * h * d, 1, 2);
    const ks = seededValues(b * nk * h * d, 2, 2);
    const vs = seededValues(b * nk * h * d, 3, 2);
    const ref = attentionCore64(qs, ks, vs, b, nq, nk, h, h * d, 0.7);
    const { result, macs } = countMacs(() =>
      tf.tidy(() => {
        const split = (a: Float32Array, n: number) => splitHeads(tf.tensor3d(a, [b, n, h * d]), h);
        return mergeHeads(scaledDotProductAttention(split(qs, nq), split(ks, nk), split(vs, nk), 0.7));
      }),
    );
    expect(result.shape).toEqual([b, nq, h * d]);
    expect(maxAbsDiff(result.dataSync(), ref)).toBeLessThan(2e-6);
    // q·kᵀ and attn·v: 2 · B·H·Nq·Nk·d
    expect(macs.byKind.get('attention')).toBe(2 * b * h * nq * nk * d);
    result.dispose();
  });
});

describe.each(TEST_BACKENDS)('Attention on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('has timm parameter names and shapes (qkv without bias by default)', () => {
    const a = new Attention(8, { numHeads: 2 });
    expect(a.namedParameters().map(([n, p]) => [n, p.torchShape])).toEqual([
      ['qkv.weight', [24, 8]],
      ['proj.weight', [8, 8]],
      ['proj.bias', [8]],
    ]);
    expect(a.scale).toBeCloseTo(4 ** -0.5, 12);
    const withBias = new Attention(8, { numHeads: 2, qkvBias: true });
    expect(withBias.namedParameters().map(([n]) => n)).toEqual(['qkv.weight', 'qkv.bias', 'proj.weight', 'proj.bias']);
    expect(() => new Attention(10, { numHeads: 3 })).toThrow(/dim 10 is not divisible by numHeads 3/);
    a.dispose();
    withBias.dispose();
  });

  it.each([
    { heads: 1, qkvBias: false, qkScale: undefined },
    { heads: 2, qkvBias: true, qkScale: undefined },
    { heads: 4, qkvBias: true, qkScale: 8 ** -0.5 },
  ])('matches a naive float64 multi-head attention (heads=$heads, qkvBias=$qkvBias, qkScale=$qkScale)', ({ heads, qkvBias, qkScale }) => {
    const [b, n, dim] = [2, 5, 8];
    const attn = new Attention(dim, { numHeads: heads, qkvBias, qkScale }).eval();
    const p = randomizeParameters(attn, heads, 0.6);
    const scale = qkScale ?? (dim / heads) ** -0.5;
    expect(attn.scale).toBeCloseTo(scale, 12);
    const xs = seededValues(b * n * dim, 50 + heads, 1.5);
    const ref = attention64(xs, b, n, dim, heads, scale, {
      qkvW: p.get('qkv.weight')!,
      qkvB: p.get('qkv.bias') ?? null,
      projW: p.get('proj.weight')!,
      projB: p.get('proj.bias')!,
    });
    const y = tf.tidy(() => attn.forward(tf.tensor3d(xs, [b, n, dim])));
    expect(y.shape).toEqual([b, n, dim]);
    expect(maxAbsDiff(y.dataSync(), ref)).toBeLessThan(3e-6);
    y.dispose();
    attn.dispose();
  });

  it('qkScale changes the result (the override is used, not the default head_dim^-0.5)', () => {
    const [b, n, dim] = [1, 4, 8];
    const a1 = new Attention(dim, { numHeads: 2 });
    const p = randomizeParameters(a1, 9, 0.8);
    const a2 = new Attention(dim, { numHeads: 2, qkScale: dim ** -0.5 });
    for (const [name, param] of a2.namedParameters()) param.assignFromTorch(tf.tensor(p.get(name)!, param.torchShape));
    const x = tf.tensor3d(seededValues(b * n * dim, 10, 2), [b, n, dim]);
    const y1 = a1.forward(x);
    const y2 = a2.forward(x);
    expect(maxAbsDiff(y1.dataSync(), y2.dataSync())).toBeGreaterThan(1e-3);
    tf.dispose([x, y1, y2]);
    a1.dispose();
    a2.dispose();
  });

  it('gradients match central differences w.r.t. input and every parameter', () => {
    const [b, n, dim] = [1, 3, 4];
    const attn = new Attention(dim, { numHeads: 2, qkvBias: true });
    randomizeParameters(attn, 3, 0.7);
    const x = tf.variable(tf.tensor3d(seededValues(b * n * dim, 12, 1.5), [b, n, dim]));
    const vars: Record<string, tf.Variable> = { x };
    for (const [name, p] of attn.namedParameters()) vars[name] = p.variable;
    expectGradientsMatch(() => attn.forward(x), vars, { maxPerTensor: backend === 'cpu' ? 8 : 16 });
    x.dispose();
    attn.dispose();
  });
});
