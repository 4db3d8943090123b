import { buildModel, LayerNorm, selectBackend, tf } from '@vitkit/core';
import { DeepNarrowViT } from './index';
import { t2tRegistry } from '../testing';

const TOK = { type: 't2t', tokenDim: 8, kernelSizes: [7, 3, 3], strides: [2, 2, 1], paddings: [3, 1, 1] };
const BASE = { type: 'deep-narrow', imgSize: 32, numClasses: 10, embedDim: 32, depth: 2, numHeads: 2, mlpRatio: 3, tokenizer: TOK };

function build(extra: Record<string, unknown>): DeepNarrowViT {
  return buildModel(t2tRegistry(), { ...BASE, ...extra }) as DeepNarrowViT;
}

function names(m: DeepNarrowViT, prefix: string): string[] {
  return m
    .namedParameters()
    .map(([n]) => n)
    .filter((n) => n.startsWith(prefix));
}

function runs(m: DeepNarrowViT, classes = 10): void {
  const y = tf.tidy(() => m.eval().forward(tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D));
  expect(y.shape).toEqual([2, classes]);
  expect(tf.tidy(() => tf.all(tf.isFinite(y)).dataSync()[0])).toBe(1);
  y.dispose();
}

beforeAll(async () => {
  await selectBackend('wasm', { quiet: true });
});

describe('Table 6 designs (official t2t_vit_se / _ghost / _dense names)', () => {
  it('standard block names are the official ones', () => {
    const m = build({});
    expect(names(m, 'blocks.0.')).toEqual([
      'blocks.0.norm1.weight',
      'blocks.0.norm1.bias',
      'blocks.0.attn.qkv.weight',
      'blocks.0.attn.proj.weight',
      'blocks.0.attn.proj.bias',
      'blocks.0.norm2.weight',
      'blocks.0.norm2.bias',
      'blocks.0.mlp.fc1.weight',
      'blocks.0.mlp.fc1.bias',
      'blocks.0.mlp.fc2.weight',
      'blocks.0.mlp.fc2.bias',
    ]);
    runs(m);
    m.dispose();
  });

  it('se: an SE layer (C→C/16→C, no biases) after each attention projection', () => {
    const plain = build({});
    const m = build({ design: 'se' });
    expect(names(m, 'blocks.0.attn.se_layer')).toEqual(['blocks.0.attn.se_layer.fc.0.weight', 'blocks.0.attn.se_layer.fc.2.weight']);
    // 2 blocks × 2 × C × C/16 = 2·2·32·2
    expect(m.countParameters().total - plain.countParameters().total).toBe(2 * 2 * 32 * 2);
    runs(m);
    plain.dispose();
    m.dispose();
  });

  it('ghost: q/k/v at half width plus cheap depthwise ops; MLP fc1 C→C + 2 cheap ops → fc2 3C→C', () => {
    const m = build({ design: 'ghost' });
    expect(names(m, 'blocks.0.attn.')).toEqual([
      'blocks.0.attn.q.weight',
      'blocks.0.attn.k.weight',
      'blocks.0.attn.v.weight',
      'blocks.0.attn.cheap_operation_q.weight',
      'blocks.0.attn.cheap_operation_k.weight',
      'blocks.0.attn.cheap_operation_v.weight',
      'blocks.0.attn.proj.weight',
      'blocks.0.attn.proj.bias',
    ]);
    expect(names(m, 'blocks.0.mlp.')).toEqual([
      'blocks.0.mlp.fc1.weight',
      'blocks.0.mlp.fc1.bias',
      'blocks.0.mlp.fc2.weight',
      'blocks.0.mlp.fc2.bias',
      'blocks.0.mlp.cheap_operation2.weight',
      'blocks.0.mlp.cheap_operation3.weight',
    ]);
    const shapes = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.torchShape]));
    expect(shapes['blocks.0.attn.q.weight']).toEqual([16, 32]);
    expect(shapes['blocks.0.attn.cheap_operation_q.weight']).toEqual([16, 1, 1]);
    expect(shapes['blocks.0.mlp.fc1.weight']).toEqual([32, 32]);
    expect(shapes['blocks.0.mlp.fc2.weight']).toEqual([32, 96]);
    runs(m);
    m.dispose();
  });

  it('dense: blocks grow by growthRate, transitions halve, norm/head on the final width', () => {
    const m = build({ design: 'dense', embedDim: 16, numHeads: 2, mlpRatio: 2, growthRate: 8, blockConfig: [2, 2] });
    // stage 0: widths 16, 24 → 32 → transition to 16; stage 1: 16, 24 → 32
    const shapes = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.torchShape]));
    expect(shapes['blocks.0.attn.qkv.weight']).toEqual([48, 16]);
    expect(shapes['blocks.1.attn.qkv.weight']).toEqual([72, 24]);
    expect(shapes['blocks.1.dense_linear.weight']).toEqual([8, 24]);
    expect(shapes['blocks.2.linear.weight']).toEqual([16, 32]);
    expect(shapes['blocks.4.attn.qkv.weight']).toEqual([72, 24]);
    expect(shapes['norm.weight']).toEqual([32]);
    expect(shapes['head.weight']).toEqual([10, 32]);
    expect(shapes['cls_token']).toEqual([1, 1, 16]);
    expect(m.numFeatures).toBe(32);
    runs(m);
    m.dispose();
  });

  it('shallow-wide and more-heads (ResNeXt-style) are width/depth/heads choices with the standard block', () => {
    const m = build({ numHeads: 8 });
    expect((m.blocks.at(0) as unknown as { attn: { numHeads: number } }).attn.numHeads).toBe(8);
    runs(m);
    m.dispose();
  });

  it('every design keeps LayerNorm eps 1e-5', () => {
    for (const design of ['standard', 'se', 'ghost', 'dense']) {
      const m = build({ design, ...(design === 'dense' ? { embedDim: 16, growthRate: 8, blockConfig: [1, 1] } : {}) });
      const norms = m.namedModules().filter(([, x]) => x instanceof LayerNorm) as Array<[string, LayerNorm]>;
      expect(norms.length).toBeGreaterThan(4);
      for (const [n, x] of norms) expect([design, n, x.eps]).toEqual([design, n, 1e-5]);
      m.dispose();
    }
  });

  it('convolution T2T (T2T-ViT_c): soft_split0, soft_split1, project are convolutions', () => {
    const m = build({ tokenizer: { ...TOK, attention: 'convolution' } });
    const shapes = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.torchShape]));
    expect(shapes['tokens_to_token.soft_split0.weight']).toEqual([8, 3, 7, 7]);
    expect(shapes['tokens_to_token.soft_split1.weight']).toEqual([8, 8, 3, 3]);
    expect(shapes['tokens_to_token.project.weight']).toEqual([32, 8, 3, 3]);
    expect(m.numTokens).toBe(64);
    runs(m);
    m.dispose();
  });

  it('the small-image preset works at 32 px (8×8 tokens) and at 28 px (7×7 tokens)', () => {
    for (const [size, tokens] of [
      [32, 64],
      [28, 49],
    ]) {
      const m = buildModel(t2tRegistry(), { preset: 't2t_vit_7_small', imgSize: size }) as DeepNarrowViT;
      expect(m.numTokens).toBe(tokens);
      const y = tf.tidy(() => m.eval().forward(tf.zeros([1, size, size, 3]) as tf.Tensor4D));
      expect(y.shape).toEqual([1, 10]);
      y.dispose();
      m.dispose();
    }
  });
});
