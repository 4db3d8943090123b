import { tf } from '@vitkit/core';
import { TEST_BACKENDS, useBackend } from '@vitkit/core/testing';
import { AdamW } from './adamw';
import { SGD } from './sgd';
import { clipGradNorm } from './clip';
import type { OptimParam } from './optimizer';

/** PyTorch's AdamW written out in float64 scalars (torch/optim/adamw.py, single-tensor path). */
function refAdamW(p: number[], grads: number[][], lrs: number[], o: { b1: number; b2: number; eps: number; wd: number; decay: boolean }) {
  const w = [...p];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  grads.forEach((g, t0) => {
    const t = t0 + 1;
    const lr = lrs[t0];
    for (let i = 0; i < w.length; i++) {
      if (o.decay) w[i] *= 1 - lr * o.wd;
      m[i] = o.b1 * m[i] + (1 - o.b1) * g[i];
      v[i] = o.b2 * v[i] + (1 - o.b2) * g[i] * g[i];
      const bc1 = 1 - o.b1 ** t;
      const bc2 = 1 - o.b2 ** t;
      const denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + o.eps;
      w[i] -= (lr / bc1) * (m[i] / denom);
    }
  });
  return { w, m, v };
}

/** PyTorch's SGD (momentum, nesterov, L2 decay) in float64 scalars. */
function refSgd(p: number[], grads: number[][], lr: number, o: { mu: number; wd: number; nesterov: boolean }) {
  const w = [...p];
  let buf: number[] | undefined;
  for (const g0 of grads) {
    const g = g0.map((x, i) => x + o.wd * w[i]);
    buf = buf ? buf.map((b, i) => o.mu * b + g[i]) : [...g];
    const d = o.nesterov ? g.map((x, i) => x + o.mu * buf![i]) : buf;
    for (let i = 0; i < w.length; i++) w[i] -= lr * d[i];
  }
  return w;
}

const close = (a: ArrayLike<number>, b: number[], tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol);
};

describe.each(TEST_BACKENDS)('optimizers on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  const w0 = [0.5, -1.25, 2.0, 0.03];
  const b0 = [0.1, -0.2];
  const gradsW = [
    [0.1, -0.3, 0.2, 1.5],
    [-0.05, 0.4, 0.0, -2.0],
    [0.3, 0.3, -0.7, 0.25],
  ];
  const gradsB = [
    [1, -1],
    [0.5, 0.25],
    [-2, 0.125],
  ];

  function params(): OptimParam[] {
    return [
      { name: 'fc.weight', variable: tf.variable(tf.tensor2d(w0, [2, 2])), decay: true },
      { name: 'fc.bias', variable: tf.variable(tf.tensor1d(b0)), decay: false },
    ];
  }

  it('AdamW step matches the hand-computed PyTorch update (decay only on decayed params)', () => {
    const ps = params();
    const opt = new AdamW(ps, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 });
    const lrs = [1e-2, 5e-3, 2e-2];
    for (let t = 0; t < 3; t++) {
      const g = new Map<string, tf.Tensor>([
        ['fc.weight', tf.tensor2d(gradsW[t], [2, 2])],
        ['fc.bias', tf.tensor1d(gradsB[t])],
      ]);
      opt.step(g, lrs[t]);
      g.forEach((x) => x.dispose());
    }
    const rw = refAdamW(w0, gradsW, lrs, { b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.05, decay: true });
    const rb = refAdamW(b0, gradsB, lrs, { b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.05, decay: false });
    close(ps[0].variable.dataSync(), rw.w, 1e-6);
    close(ps[1].variable.dataSync(), rb.w, 1e-6);
    const st = opt.getState();
    expect(st.scalars.step).toBe(3);
    close(st.tensors.get('exp_avg.fc.weight')!.data, rw.m, 1e-7);
    close(st.tensors.get('exp_avg_sq.fc.weight')!.data, rw.v, 1e-7);
    // Known first-step value: AdamW's first update is lr·sign(g) (bias correction makes m/√v = ±1), plus decay.
    const one = params();
    const o1 = new AdamW(one, { weightDecay: 0.05 });
    const g1 = new Map<string, tf.Tensor>([['fc.weight', tf.tensor2d(gradsW[0], [2, 2])]]);
    o1.step(g1, 0.01);
    g1.get('fc.weight')!.dispose();
    close(one[0].variable.dataSync(), w0.map((w, i) => w * (1 - 0.01 * 0.05) - 0.01 * Math.sign(gradsW[0][i])), 1e-6);
    expect(Array.from(one[1].variable.dataSync())).toEqual(Array.from(new Float32Array(b0))); // no gradient → untouched
    [...ps, ...one].forEach((p) => p.variable.dispose());
    opt.dispose();
    o1.dispose();
  });

  it('AdamW state round-trips: a restored optimizer continues identically', () => {
    const a = params();
    const b = params();
    const oa = new AdamW(a, { weightDecay: 0.1 });
    const ob = new AdamW(b, { weightDecay: 0.1 });
    const grad = (t: number) =>
      new Map<string, tf.Tensor>([
        ['fc.weight', tf.tensor2d(gradsW[t], [2, 2])],
        ['fc.bias', tf.tensor1d(gradsB[t])],
      ]);
    for (const t of [0, 1]) {
      const g = grad(t);
      oa.step(g, 0.01);
      ob.step(g, 0.01);
      g.forEach((x) => x.dispose());
    }
    const ob2 = new AdamW(b, { weightDecay: 0.1 });
    ob2.setState(ob.getState());
    ob.dispose();
    const g = grad(2);
    oa.step(g, 0.01);
    ob2.step(g, 0.01);
    g.forEach((x) => x.dispose());
    expect(Array.from(b[0].variable.dataSync())).toEqual(Array.from(a[0].variable.dataSync()));
    expect(Array.from(b[1].variable.dataSync())).toEqual(Array.from(a[1].variable.dataSync()));
    [...a, ...b].forEach((p) => p.variable.dispose());
    oa.dispose();
    ob2.dispose();
  });

  it('SGD with Nesterov momentum matches the hand-computed PyTorch update', () => {
    const ps = params();
    const opt = new SGD(ps, { momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
    for (let t = 0; t < 3; t++) {
      const g = new Map<string, tf.Tensor>([
        ['fc.weight', tf.tensor2d(gradsW[t], [2, 2])],
        ['fc.bias', tf.tensor1d(gradsB[t])],
      ]);
      opt.step(g, 0.1);
      g.forEach((x) => x.dispose());
    }
    close(ps[0].variable.dataSync(), refSgd(w0, gradsW, 0.1, { mu: 0.9, wd: 1e-3, nesterov: true }), 1e-6);
    close(ps[1].variable.dataSync(), refSgd(b0, gradsB, 0.1, { mu: 0.9, wd: 0, nesterov: true }), 1e-6);
    ps.forEach((p) => p.variable.dispose());
    opt.dispose();
  });

  it('clips by global norm like torch.nn.utils.clip_grad_norm_', () => {
    const g = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor1d([0, 4])],
    ]);
    const { grads, norm } = clipGradNorm(g, 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 5);
    close(grads.get('a')!.dataSync(), [3 / (5 + 1e-6), 0], 1e-6);
    close(grads.get('b')!.dataSync(), [0, 4 / (5 + 1e-6)], 1e-6);
    grads.forEach((x) => x.dispose());
    norm.dispose();
    // Below the threshold nothing changes.
    const small = new Map<string, tf.Tensor>([['a', tf.tensor1d([0.3, 0.4])]]);
    const r = clipGradNorm(small, 1);
    close(r.grads.get('a')!.dataSync(), [0.3, 0.4], 1e-7);
    r.grads.forEach((x) => x.dispose());
    r.norm.dispose();
  });
});
