import { createRegistry, manualSeed, selectBackend, tf } from '@vitkit/core';
import { expectGradientsMatch, maxAbsDiff, seededValues } from '@vitkit/core/testing';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin } from '../plugin';
import { Fpn } from './fpn';
import { VtFpn } from './vt-fpn';

const registry = () => createRegistry({ plugins: [tokenizers, plugin] });

function setParam(m: { namedParameters(): Array<[string, { variable: tf.Variable }]> }, name: string, values: number[] | number): void {
  const p = m.namedParameters().find(([n]) => n === name);
  if (!p) throw new Error(`no parameter ${name}`);
  const v = p[1].variable;
  v.assign(typeof values === 'number' ? tf.fill(v.shape, values) : tf.tensor(values, v.shape));
}


describe('necks', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('fpn: lateral 1×1, nearest top-down sum and 3×3 output convs on a hand-computed case', () => {
    const fpn = registry().build('neck', { type: 'fpn', inChannels: [1, 1], strides: [4, 8], outChannels: 1 }) as Fpn;
    expect(fpn.namedParameters().map(([n]) => n)).toEqual([
      'fpn_lateral2.weight', 'fpn_lateral2.bias', 'fpn_lateral3.weight', 'fpn_lateral3.bias',
      'fpn_output2.weight', 'fpn_output2.bias', 'fpn_output3.weight', 'fpn_output3.bias',
    ]);
    setParam(fpn, 'fpn_lateral2.weight', [2]);
    setParam(fpn, 'fpn_lateral2.bias', [0]);
    setParam(fpn, 'fpn_lateral3.weight', [3]);
    setParam(fpn, 'fpn_lateral3.bias', [1]);
    setParam(fpn, 'fpn_output2.weight', 1); // sums the 3×3 neighbourhood (zero padding)
    setParam(fpn, 'fpn_output2.bias', [0.5]);
    setParam(fpn, 'fpn_output3.weight', [0, 0, 0, 0, 1, 0, 0, 0, 0]); // identity
    setParam(fpn, 'fpn_output3.bias', [0]);
    const c2 = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const c3 = tf.tensor4d([5], [1, 1, 1, 1]);
    const [p2, p3] = fpn.forward([c2, c3]);
    // lateral3 = 3·5 + 1 = 16; p2 before the output conv = 2·[1, 2, 3, 4] + 16 = [18, 20, 22, 24]; every 3×3
    // window of a 2×2 map covers all four pixels: 84, + 0.5.
    expect(Array.from(p3.dataSync())).toEqual([16]);
    expect(Array.from(p2.dataSync())).toEqual([84.5, 84.5, 84.5, 84.5]);
    tf.dispose([c2, c3, p2, p3]);
    fpn.dispose();
  });

  it('vt-fpn: tokens of every level meet in one transformer and come back through the projectors (hand-computed)', () => {
    // One channel everywhere, one token per level. Zero tokenizer / key / query weights make every softmax uniform:
    // token = mean of the level's map; the transformer adds the mean of both levels' tokens (FFN off: f1 = 0);
    // the projector's softmax over one token is 1, so it adds that token to every pixel.
    const vt = registry().build('neck', { type: 'vt-fpn', inChannels: [1, 1], strides: [4, 8], outChannels: 1, numTokens: 1, tokenChannels: 1, attnDim: 1, ffnDim: 1, projDim: 1 }) as VtFpn;
    expect(vt.namedParameters().map(([n]) => n)).toEqual([
      'fpn_lateral2.weight', 'fpn_lateral2.bias', 'fpn_lateral3.weight', 'fpn_lateral3.bias',
      'tokenizer2.attn.weight', 'tokenizer3.attn.weight',
      'transformer.key.weight', 'transformer.query.weight', 'transformer.f1.weight', 'transformer.f2.weight',
      'projector2.query.weight', 'projector2.key.weight', 'projector3.query.weight', 'projector3.key.weight',
    ]);
    for (const [, p] of vt.namedParameters()) p.variable.assign(tf.zerosLike(p.variable));
    setParam(vt, 'fpn_lateral2.weight', [1]);
    setParam(vt, 'fpn_lateral3.weight', [1]);
    setParam(vt, 'transformer.f2.weight', [7]); // multiplies ReLU(0): no effect
    const a = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const b = tf.tensor4d([5], [1, 1, 1, 1]);
    const [pa, pb] = vt.forward([a, b]);
    // tokens 2.5 and 5; after the transformer 2.5 + 3.75 = 6.25 and 5 + 3.75 = 8.75.
    expect(maxAbsDiff(pa.dataSync(), [7.25, 8.25, 9.25, 10.25])).toBeLessThan(1e-6);
    expect(maxAbsDiff(pb.dataSync(), [13.75])).toBeLessThan(1e-6);
    tf.dispose([a, b, pa, pb]);
    vt.dispose();
  });

  it('vt-fpn keeps each level\'s spatial attention when asked (the report\'s pictures)', () => {
    manualSeed(5);
    const vt = registry().build('neck', { type: 'vt-fpn', inChannels: [4, 8], strides: [4, 8], outChannels: 8, numTokens: 3, tokenChannels: 16, projDim: 4 }) as VtFpn;
    vt.recordAttention(true);
    tf.dispose(vt.forward([tf.randomNormal([2, 4, 6, 4]), tf.randomNormal([2, 2, 3, 8])]));
    const maps = vt.lastAttentionMaps()!;
    expect(maps.map((m) => m.shape)).toEqual([[2, 4, 6, 3], [2, 2, 3, 3]]);
    // each token's map sums to 1 over the pixels
    expect(maxAbsDiff(tf.sum(maps[0], [1, 2]).dataSync(), new Array(6).fill(1))).toBeLessThan(1e-5);
    tf.dispose(maps);
    vt.recordAttention(false);
    expect(vt.lastAttentionMaps()).toBeNull();
    vt.dispose();
  });

  it('vt-fpn refuses a tokenizer that needs previous tokens, naming the spec path', () => {
    expect(() => registry().build('neck', { type: 'vt-fpn', inChannels: [4], strides: [4], outChannels: 8, numTokens: 2, tokenChannels: 8, tokenizer: 'recurrent' }, 'model.neck')).toThrow(
      /model\.neck\.tokenizer: VT-FPN needs a Visual Transformer tokenizer/,
    );
  });

  it.each([
    ['fpn', {}],
    ['vt-fpn', { numTokens: 2, tokenChannels: 6, projDim: 3 }],
  ])('%s has numerically correct gradients (inputs and weights)', (type, extra) => {
    manualSeed(11);
    const neck = registry().build('neck', { type, inChannels: [3, 4], strides: [4, 8], outChannels: 4, ...extra }) as Fpn | VtFpn;
    const x2 = tf.variable(tf.tensor4d(seededValues(1 * 4 * 4 * 3, 1), [1, 4, 4, 3]));
    const x3 = tf.variable(tf.tensor4d(seededValues(1 * 2 * 2 * 4, 2), [1, 2, 2, 4]));
    // O(1) weights, so the attention softmaxes are far from uniform and every gradient is well above float32 noise.
    neck.namedParameters().forEach(([, p], i) => p.variable.assign(tf.tensor(seededValues(p.size, 100 + i, 0.8), p.variable.shape)));
    const params = Object.fromEntries(neck.namedParameters().filter(([, p]) => p.shape.length > 1).map(([n, p]) => [n, p.variable]));
    expectGradientsMatch(() => tf.concat(neck.forward([x2, x3]).map((t) => tf.reshape(t, [-1]))), { x2, x3, ...params }, { maxPerTensor: 6 });
    tf.dispose([x2, x3]);
    neck.dispose();
  });
});

