import { createRegistry, Fusion, Module, resizeBicubic, selectBackend, tf } from '@vitkit/core';
import { fusionAblation, FUSION_NAMES } from './ablation';
import { plugin } from './index';
import { testRegistry } from './testing';





function fusionRegistry() {
  return createRegistry({ plugins: [plugin] });
}

function build(spec: Record<string, unknown>): Fusion {
  return fusionRegistry().build<Fusion>('fusion', spec as never, 'model.fusion');
}

function param(m: Module, name: string): tf.Tensor {
  const p = m.namedParameters().find(([n]) => n === name);
  if (!p) throw new Error(`no parameter ${name}; have ${m.namedParameters().map(([n]) => n).join(', ')}`);
  return p[1].variable;
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

const lnGeluLinear = (x: tf.Tensor, m: Module, prefix: string) =>
  tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const v = tf.mean(tf.square(tf.sub(x, mean)), -1, true);
    const n = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(v, 1e-6))), param(m, `${prefix}.0.weight`)), param(m, `${prefix}.0.bias`));
    // exact GELU through erf, written out independently of core's gelu
    const g = tf.mul(tf.mul(n, 0.5), tf.add(1, tf.erf(tf.div(n, Math.SQRT2))));
    const [b, t, c] = g.shape;
    const w = param(m, `${prefix}.2.weight`) as tf.Tensor2D;
    return tf.add(tf.reshape(tf.matMul(tf.reshape(g, [b * t, c]) as tf.Tensor2D, w), [b, t, w.shape[1]]), param(m, `${prefix}.2.bias`));
  });

describe('fusion semantics (paper Eq. 2–4)', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it('class-token (Eq. 3): equal widths → identity f/g, CLS_i = Σ_j CLS_j, patches untouched', () => {
    const f = build({ type: 'class-token', dims: [8, 8], numHeads: [2, 2] });
    expect(f.countParameters().total).toBe(0);
    const x0 = tf.randomNormal([2, 5, 8]) as tf.Tensor3D;
    const x1 = tf.randomNormal([2, 3, 8]) as tf.Tensor3D;
    const [z0, z1] = f.forward([x0, x1]);
    const sum = tf.add(tf.slice(x0, [0, 0, 0], [-1, 1, -1]), tf.slice(x1, [0, 0, 0], [-1, 1, -1]));
    expect(maxDiff(tf.slice(z0, [0, 0, 0], [-1, 1, -1]), sum)).toBeLessThan(1e-6);
    expect(maxDiff(tf.slice(z1, [0, 0, 0], [-1, 1, -1]), sum)).toBeLessThan(1e-6);
    expect(maxDiff(tf.slice(z0, [0, 1, 0], [-1, -1, -1]), tf.slice(x0, [0, 1, 0], [-1, -1, -1]))).toBe(0);
    expect(maxDiff(tf.slice(z1, [0, 1, 0], [-1, -1, -1]), tf.slice(x1, [0, 1, 0], [-1, -1, -1]))).toBe(0);
    tf.dispose([x0, x1, z0, z1, sum]);
  });

  it('class-token (Eq. 3) with different widths: CLS_1 = CLS_1 + f_0(CLS_0), CLS_0 = g_0(that)', () => {
    const f = build({ type: 'class-token', dims: [8, 16], numHeads: [2, 2] });
    // f_0, g_0 = LN → GELU → Linear; the 16-wide branch's are identities (its width is the common width).
    expect(f.namedParameters().map(([n]) => n)).toEqual([
      'projs.0.0.weight', 'projs.0.0.bias', 'projs.0.2.weight', 'projs.0.2.bias',
      'revert_projs.0.0.weight', 'revert_projs.0.0.bias', 'revert_projs.0.2.weight', 'revert_projs.0.2.bias',
    ]);
    expect(f.countParameters().total).toBe(2 * 8 + 8 * 16 + 16 + (2 * 16 + 16 * 8 + 8));
    const x0 = tf.randomNormal([2, 5, 8]) as tf.Tensor3D;
    const x1 = tf.randomNormal([2, 3, 16]) as tf.Tensor3D;
    const [z0, z1] = f.forward([x0, x1]);
    const fused = tf.add(lnGeluLinear(tf.slice(x0, [0, 0, 0], [-1, 1, -1]), f, 'projs.0'), tf.slice(x1, [0, 0, 0], [-1, 1, -1]));
    expect(maxDiff(tf.slice(z1, [0, 0, 0], [-1, 1, -1]), fused)).toBeLessThan(1e-5);
    const back = lnGeluLinear(fused, f, 'revert_projs.0');
    expect(maxDiff(tf.slice(z0, [0, 0, 0], [-1, 1, -1]), back)).toBeLessThan(1e-5);
    tf.dispose([x0, x1, z0, z1, fused, back]);
    f.dispose();
  });

  it('pairwise (Eq. 4): patch grids aligned by interpolation, summed position-wise', () => {
    const f = build({ type: 'pairwise', dims: [8, 8], numHeads: [2, 2], numPatches: [16, 4] });
    expect(f.countParameters().total).toBe(0);
    // Constant grids stay constant under interpolation (the bicubic weights sum to 1): sum = c0 + c1 everywhere.
    const c0 = tf.concat([tf.randomNormal([1, 1, 8]), tf.fill([1, 16, 8], 0.25)], 1) as tf.Tensor3D;
    const c1 = tf.concat([tf.randomNormal([1, 1, 8]), tf.fill([1, 4, 8], -1.5)], 1) as tf.Tensor3D;
    const [z0, z1] = f.forward([c0, c1]);
    expect(z0.shape).toEqual([1, 17, 8]);
    expect(z1.shape).toEqual([1, 5, 8]);
    expect(maxDiff(tf.slice(z0, [0, 1, 0], [-1, -1, -1]), tf.fill([1, 16, 8], -1.25))).toBeLessThan(1e-5);
    expect(maxDiff(tf.slice(z1, [0, 1, 0], [-1, -1, -1]), tf.fill([1, 4, 8], -1.25))).toBeLessThan(1e-5);
    // General inputs: branch 0 gets p0 + bicubic(p1 → 4×4).
    const x0 = tf.randomNormal([2, 17, 8]) as tf.Tensor3D;
    const x1 = tf.randomNormal([2, 5, 8]) as tf.Tensor3D;
    const [y0] = f.forward([x0, x1]);
    const p1 = tf.reshape(tf.slice(x1, [0, 1, 0], [-1, -1, -1]), [2, 2, 2, 8]) as tf.Tensor4D;
    const want = tf.add(tf.slice(x0, [0, 1, 0], [-1, -1, -1]), tf.reshape(resizeBicubic(p1, [4, 4]), [2, 16, 8]));
    expect(maxDiff(tf.slice(y0, [0, 1, 0], [-1, -1, -1]), want)).toBeLessThan(1e-5);
    tf.dispose([c0, c1, z0, z1, x0, x1, y0, p1, want]);
  });

  it('pairwise needs square patch grids and names the option', () => {
    expect(() => build({ type: 'pairwise', dims: [8, 8], numHeads: [2, 2], numPatches: [16, 6] })).toThrow(/model\.fusion\.numPatches\[1\]: 6 patch tokens do not form a square grid/);
  });

  it('all-attention (Eq. 2): joint self-attention over all tokens with a residual; zero attention output → z = g(f(x))', () => {
    const f = build({ type: 'all-attention', dims: [8, 8], numHeads: [2, 2], identityWhenEqual: true, depth: 2 });
    const names = f.namedParameters().map(([n]) => n);
    expect(names).toEqual(['fusion.0.norm1.weight', 'fusion.0.norm1.bias', 'fusion.0.attn.qkv.weight', 'fusion.0.attn.qkv.bias', 'fusion.0.attn.proj.weight', 'fusion.0.attn.proj.bias',
      'fusion.1.norm1.weight', 'fusion.1.norm1.bias', 'fusion.1.attn.qkv.weight', 'fusion.1.attn.qkv.bias', 'fusion.1.attn.proj.weight', 'fusion.1.attn.proj.bias']);
    for (const [n, p] of f.namedParameters()) if (n.includes('attn.proj')) p.variable.assign(tf.zerosLike(p.variable));
    const x0 = tf.randomNormal([2, 5, 8]) as tf.Tensor3D;
    const x1 = tf.randomNormal([2, 3, 8]) as tf.Tensor3D;
    const [z0, z1] = f.forward([x0, x1]);
    expect(maxDiff(z0, x0)).toBe(0);
    expect(maxDiff(z1, x1)).toBe(0);
    tf.dispose([x0, x1, z0, z1]);
    f.dispose();
  });

  it('all-attention mixes tokens across branches (a change in branch 1 moves branch 0)', () => {
    const f = build({ type: 'all-attention', dims: [8, 16], numHeads: [2, 2] });
    const x0 = tf.randomNormal([1, 5, 8]) as tf.Tensor3D;
    const x1 = tf.randomNormal([1, 3, 16]) as tf.Tensor3D;
    const x1b = tf.randomNormal([1, 3, 16]) as tf.Tensor3D; // (a constant shift would vanish in f's LayerNorm)
    const [a0] = f.forward([x0, x1]);
    const [b0] = f.forward([x0, x1b]);
    expect(maxDiff(a0, b0)).toBeGreaterThan(1e-4);
    tf.dispose([x0, x1, x1b, a0, b0]);
    f.dispose();
  });

  it('none leaves the branches untouched', () => {
    const f = build({ type: 'none', dims: [8, 16], numHeads: [2, 2] });
    const x = [tf.randomNormal([1, 5, 8]), tf.randomNormal([1, 3, 16])] as tf.Tensor3D[];
    expect(f.forward(x)).toEqual(x);
    tf.dispose(x);
  });

  it('cross-attention: official widths (f_i: C_i → C_j, fusion in C_j with the heads of j), nested when depth > 0', () => {
    const f = build({ type: 'cross-attention', dims: [8, 16], numHeads: [2, 4], depth: 2 });
    const shapes = Object.fromEntries(f.namedParameters().map(([n, p]) => [n, p.torchShape]));
    expect(shapes['projs.0.2.weight']).toEqual([16, 8]);
    expect(shapes['fusion.0.1.attn.wq.weight']).toEqual([16, 16]);
    expect(shapes['fusion.1.0.attn.wk.weight']).toEqual([8, 8]);
    expect(shapes['revert_projs.0.2.weight']).toEqual([8, 16]);
    const nested = (f as unknown as { fusion: { at(i: number): { layers: Array<{ attn: { options: { numHeads: number } } }> } } }).fusion;
    expect(nested.at(0).layers[1].attn.options.numHeads).toBe(4);
    expect(nested.at(1).layers[0].attn.options.numHeads).toBe(2);
    f.dispose();
  });
});

describe('fusion ablation (paper Table 6 machinery) on a tiny model', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it('reports params and MACs per fusion; the differences match the module formulas', () => {
    const rows = fusionAblation(testRegistry(), { base: 'x_tiny_dual' });
    expect(rows.map((r) => r.fusion)).toEqual([...FUSION_NAMES]);
    const by = Object.fromEntries(rows.map((r) => [r.fusion, r]));
    const lin = (i: number, o: number) => i * o + o;
    const proj = (i: number, o: number) => 2 * i + lin(i, o); // LN + Linear
    const K = 2; // multi-scale blocks of x_tiny_dual, widths 16 / 32
    // class-token / pairwise: f_0 (16 → 32) and g_0 (32 → 16); the 32-wide branch's f/g are identities.
    expect(by['class-token'].params - by.none.params).toBe(K * (proj(16, 32) + proj(32, 16)));
    expect(by.pairwise.params).toBe(by['class-token'].params);
    // cross-attention: f and g both ways + one CrossAttentionBlock per branch (LN + wq, wk, wv, proj) in the other width.
    const cab = (d: number) => 2 * d + 4 * lin(d, d);
    expect(by['cross-attention'].params - by.none.params).toBe(K * (2 * (proj(16, 32) + proj(32, 16)) + cab(32) + cab(16)));
    // all-attention: f, g for both branches (no identities) + LN + qkv + proj at width 32.
    expect(by['all-attention'].params - by.none.params).toBe(K * (proj(16, 32) + proj(32, 16) + proj(32, 32) * 2 + 2 * 32 + lin(32, 96) + lin(32, 32)));
    expect(by.none.macs).toBeLessThan(by['class-token'].macs);
    expect(by['class-token'].macs).toBeLessThan(by.pairwise.macs);
    expect(by['cross-attention'].macs).toBeLessThan(by['all-attention'].macs);
  });
});
