import { countMacs, createRegistry, selectBackend, tf } from '@vitkit/core';
import { ClusteringTokenizer, FilterTokenizer, PoolingTokenizer, RecurrentTokenizer, registerVtTokenizers } from './index';

type M = number[][];

/** Plain-JS references written from the paper, independent of the implementation. */
const ref = {
  matmul: (a: M, b: M): M => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0))),
  t: (a: M): M => a[0].map((_, j) => a.map((r) => r[j])),
  /** softmax over the rows (axis 0) of each column. */
  softmaxCols(a: M): M {
    const t = ref.t(a).map((col) => {
      const mx = Math.max(...col);
      const e = col.map((v) => Math.exp(v - mx));
      const s = e.reduce((x, y) => x + y, 0);
      return e.map((v) => v / s);
    });
    return ref.t(t);
  },
  normalize: (v: number[]) => {
    const n = Math.max(Math.sqrt(v.reduce((s, x) => s + x * x, 0)), 1e-12);
    return v.map((x) => x / n);
  },
  /** PyTorch adaptive_avg_pool2d of an (h·w)×C pixel list to oh×ow cells, row-major. */
  adaptivePool(x: M, h: number, w: number, oh: number, ow: number): M {
    const out: M = [];
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      const r0 = Math.floor((i * h) / oh), r1 = Math.ceil(((i + 1) * h) / oh);
      const c0 = Math.floor((j * w) / ow), c1 = Math.ceil(((j + 1) * w) / ow);
      const acc = new Array(x[0].length).fill(0);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) x[r * w + c].forEach((v, k) => (acc[k] += v / ((r1 - r0) * (c1 - c0))));
      out.push(acc);
    }
    return out;
  },
  /** Appendix C, Listing 1 (empty clusters keep their centroid). */
  kmeans(x: M, h: number, w: number, gh: number, gw: number, iters: number): M {
    const xn = x.map(ref.normalize);
    let u = ref.adaptivePool(xn, h, w, gh, gw).map(ref.normalize);
    for (let it = 0; it < iters; it++) {
      const assign = xn.map((p) => {
        const d = u.map((c) => Math.sqrt(c.reduce((s, v, k) => s + (p[k] - v) ** 2, 0)));
        return d.indexOf(Math.min(...d));
      });
      u = u.map((c, l) => {
        const members = xn.filter((_, i) => assign[i] === l);
        if (!members.length) return c;
        return ref.normalize(c.map((_, k) => members.reduce((s, m) => s + m[k], 0) / members.length));
      });
    }
    return u;
  },
};

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

function close(a: M, b: M, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  a.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - b[i][j])).toBeLessThan(tol)));
}

describe.each(['wasm', 'cpu'] as const)('VT tokenizers on %s', (backend) => {
  beforeAll(() => selectBackend(backend, { quiet: true }));

  it('filter: T = SOFTMAX_HW(X W_A)ᵀ X, attention kept per image', () => {
    const tok = new FilterTokenizer({ inChannels: 3, tokenChannels: 3, numTokens: 4, returnAttention: true });
    expect(tok.value).toBeNull();
    const x = rand([2, 3, 5, 3], 1) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const t = tok.forward(x);
    expect(tf.memory().numTensors).toBe(before + 2); // tokens + the kept attention
    const wa = tok.attn.weight.variable.arraySync() as M;
    const xs = x.arraySync() as number[][][][];
    const ts = t.arraySync() as number[][][];
    const att = tok.lastAttention()!;
    expect(att.shape).toEqual([2, 3, 5, 4]);
    const as = att.arraySync() as number[][][][];
    for (let b = 0; b < 2; b++) {
      const X = xs[b].flat();
      const A = ref.softmaxCols(ref.matmul(X, wa));
      close(ref.matmul(ref.t(A), X), ts[b]);
      close(as[b].flat(), A);
    }
    t.dispose();
    tok.clearAttention();
    expect(tf.memory().numTensors).toBe(before);
    tok.dispose();
    x.dispose();
  });

  it('filter with CT ≠ C adds the value projection; MACs reported', () => {
    const tok = new FilterTokenizer({ inChannels: 4, tokenChannels: 6, numTokens: 2 });
    expect(tok.namedParameters().map(([n, p]) => `${n}:${p.torchShape}`)).toEqual(['value.weight:6,4', 'attn.weight:2,4']);
    const x = rand([1, 4, 4, 4], 2) as tf.Tensor4D;
    const { result, macs } = countMacs(() => tok.forward(x));
    expect(result.shape).toEqual([1, 2, 6]);
    expect(macs.total).toBe(16 * 4 * 2 + 2 * 16 * 4 + 2 * 4 * 6);
    const { tokens, attention } = tok.forwardWithAttention(x);
    const wv = tok.value!.weight.variable.arraySync() as M;
    const X = (x.arraySync() as number[][][][])[0].flat();
    const A = (attention.arraySync() as number[][][][])[0].flat();
    close(ref.matmul(ref.matmul(ref.t(A), X), wv), (tokens.arraySync() as number[][][])[0]);
    tf.dispose([x, result, tokens, attention]);
    tok.dispose();
  });

  it('recurrent: W_R = T_in W_T→R guides the grouping; needs the previous tokens', () => {
    const tok = new RecurrentTokenizer({ inChannels: 3, tokenChannels: 5, numTokens: 4 });
    const x = rand([1, 3, 3, 3], 3) as tf.Tensor4D;
    const tIn = rand([1, 4, 5], 4) as tf.Tensor3D;
    expect(() => tok.forward(x)).toThrow(/needs the previous VT module's tokens/);
    const { tokens, attention } = tok.forwardWithAttention(x, tIn);
    const wt2r = tok.t2r.weight.variable.arraySync() as M; // [CT, C]
    const wv = tok.value!.weight.variable.arraySync() as M;
    const X = (x.arraySync() as number[][][][])[0].flat();
    const WR = ref.matmul((tIn.arraySync() as number[][][])[0], wt2r); // [L, C]
    const A = ref.softmaxCols(ref.matmul(X, ref.t(WR)));
    close((attention.arraySync() as number[][][][])[0].flat(), A);
    close((tokens.arraySync() as number[][][])[0], ref.matmul(ref.matmul(ref.t(A), X), wv));
    tf.dispose([x, tIn, tokens, attention]);
    tok.dispose();
  });

  it.each([0, 1, 4])('clustering: k-means (Listing 1) with %i Lloyd iterations, then Eq. 6', (iters) => {
    const tok = new ClusteringTokenizer({ inChannels: 3, tokenChannels: 3, numTokens: 4, iterations: iters });
    expect(tok.countParameters().total).toBe(0);
    const x = rand([2, 6, 5, 3], 5 + iters) as tf.Tensor4D;
    const { tokens, attention } = tok.forwardWithAttention(x);
    const xs = x.arraySync() as number[][][][];
    for (let b = 0; b < 2; b++) {
      const X = xs[b].flat();
      const U = ref.kmeans(X, 6, 5, 2, 2, iters); // [L, C] unit centroids, 2×2 initial grid
      const wk = tf.tidy(() => tok.kmeans(tf.reshape(x, [2, 30, 3]) as tf.Tensor3D, 6, 5).arraySync() as number[][][]);
      close(wk[b], U, 1e-5);
      const A = ref.softmaxCols(ref.matmul(X, ref.t(U)));
      close((attention.arraySync() as number[][][][])[b].flat(), A, 1e-5);
      close((tokens.arraySync() as number[][][])[b], ref.matmul(ref.t(A), X), 1e-4);
    }
    tf.dispose([x, tokens, attention]);
  });

  it('pooling: adaptive average pooling of a 14×14 map to 16 tokens (4×4)', () => {
    const tok = new PoolingTokenizer({ inChannels: 2, tokenChannels: 2, numTokens: 16 });
    expect(tok.grid).toEqual([4, 4]);
    const x = rand([1, 14, 14, 2], 7) as tf.Tensor4D;
    const t = tok.forward(x);
    close((t.arraySync() as number[][][])[0], ref.adaptivePool((x.arraySync() as number[][][][])[0].flat(), 14, 14, 4, 4));
    tf.dispose([x, t]);
    expect(new PoolingTokenizer({ inChannels: 2, tokenChannels: 2, numTokens: 6 }).grid).toEqual([2, 3]);
  });

  it('gradients reach W_A, W_T→R, W_V and the feature map', () => {
    const f = new FilterTokenizer({ inChannels: 3, tokenChannels: 4, numTokens: 2 });
    const r = new RecurrentTokenizer({ inChannels: 3, tokenChannels: 4, numTokens: 2 });
    const x = tf.variable(rand([2, 4, 4, 3], 8));
    const vars = [x, ...f.trainableVariables(), ...r.trainableVariables()];
    const { grads } = tf.variableGrads(() => tf.tidy(() => tf.sum(tf.square(r.forward(x as tf.Tensor as tf.Tensor4D, f.forward(x as tf.Tensor as tf.Tensor4D))))) as tf.Scalar, vars);
    for (const v of vars) expect(tf.tidy(() => tf.sum(tf.abs(grads[v.name])).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose(grads);
    x.dispose();
    f.dispose();
    r.dispose();
  });
});

describe('VT tokenizer specs', () => {
  const reg = () => {
    const r = createRegistry();
    registerVtTokenizers(r);
    return r;
  };

  it('builds each tokenizer from a spec, inheriting C, CT, L from the parent', () => {
    const r = reg();
    for (const type of ['filter', 'recurrent', 'clustering', 'pooling']) {
      const t = r.build<{ embedDim: number; numTokens: number; dispose(): void }>('tokenizer', { type }, 'model.tokenizer', { inChannels: 8, tokenChannels: 16, numTokens: 4 });
      expect([t.embedDim, t.numTokens]).toEqual([16, 4]);
      t.dispose();
    }
  });

  it('reports spec errors with their path', () => {
    const r = reg();
    expect(() => r.build('tokenizer', { type: 'filter', tokenChannels: 4 }, 'model.tokenizer')).toThrow(/model\.tokenizer\.inChannels: is required/);
    expect(() => r.build('tokenizer', { type: 'clustering', inChannels: 4, tokenChannels: 4, iterations: 1.5 }, 'model.tokenizer')).toThrow(/model\.tokenizer\.iterations: 1\.5 is not valid; expected an integer >= 0/);
    expect(() => r.build('tokenizer', { type: 'pooling', inChannels: 4, tokenChannels: 4, numTokens: 0 }, 'model.tokenizer')).toThrow(/model\.tokenizer\.numTokens: 0 is not valid/);
  });
});

describe('clustering tokenizer edge cases (wasm)', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('all-zero pixels (after ReLU) give finite tokens and gradients', () => {
    const tok = new ClusteringTokenizer({ inChannels: 3, tokenChannels: 4, numTokens: 4, iterations: 2 });
    const x = tf.variable(tf.concat([tf.zeros([1, 2, 4, 3]), tf.randomNormal([1, 2, 4, 3], 0, 1, 'float32', 3)], 1));
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tok.forward(x as tf.Tensor as tf.Tensor4D))) as tf.Scalar, [x, ...tok.trainableVariables()]);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([value, grads, x]);
    tok.dispose();
  });
});
