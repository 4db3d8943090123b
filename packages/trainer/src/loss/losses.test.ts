import { tf, selectBackend, Linear, Module } from '@vitkit/core';
import { crossEntropy, distillationLoss, softTargetCrossEntropy } from './losses';
import { WeightEma } from '../optim/ema';

const logits = [
  [2.0, -1.0, 0.5],
  [0.1, 0.2, 3.0],
];
const labels = [0, 1];

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

describe.each(['cpu', 'wasm'] as const)('losses on %s', (backend) => {
  beforeAll(() => selectBackend(backend, { quiet: true }));

  const targets = () => ({ y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D, labels: Int32Array.from(labels) });

  it('label-smoothing cross-entropy equals timm: (1−ε)·NLL + ε·mean(−log p)', () => {
    const eps = 0.1;
    const ref =
      logits
        .map((row, i) => {
          const lp = logSoftmax(row);
          return (1 - eps) * -lp[labels[i]] + eps * (-lp.reduce((a, b) => a + b, 0) / 3);
        })
        .reduce((a, b) => a + b, 0) / 2;
    const t = targets();
    const l = crossEntropy({ labelSmoothing: eps })(tf.tensor2d(logits), t);
    expect(l.dataSync()[0]).toBeCloseTo(ref, 5);
    const plain = crossEntropy()(tf.tensor2d(logits), t);
    expect(plain.dataSync()[0]).toBeCloseTo((-logSoftmax(logits[0])[0] - logSoftmax(logits[1])[1]) / 2, 5);
  });

  it('soft-target cross-entropy: −Σ y·log p averaged over the batch', () => {
    const y = [
      [0.7, 0.3, 0],
      [0.2, 0.2, 0.6],
    ];
    const ref = -logits.map((row, i) => logSoftmax(row).reduce((a, lp, k) => a + y[i][k] * lp, 0)).reduce((a, b) => a + b, 0) / 2;
    expect(softTargetCrossEntropy(tf.tensor2d(logits), tf.tensor2d(y)).dataSync()[0]).toBeCloseTo(ref, 5);
  });

  it('DeiT distillation: soft = KL·τ²/numel, hard = CE with the teacher argmax, mixed by α', () => {
    const teacher = [
      [0.0, 1.0, -1.0],
      [1.5, 0.0, 0.0],
    ];
    const tau = 2;
    const alpha = 0.3;
    const base = (-logSoftmax(logits[0])[0] - logSoftmax(logits[1])[1]) / 2;
    let kl = 0;
    logits.forEach((row, i) => {
      const ls = logSoftmax(row.map((x) => x / tau));
      const lt = logSoftmax(teacher[i].map((x) => x / tau));
      lt.forEach((v, k) => (kl += Math.exp(v) * (v - ls[k])));
    });
    const soft = (kl * tau * tau) / 6;
    const hard = (-logSoftmax(logits[0])[1] - logSoftmax(logits[1])[0]) / 2;
    const t = targets();
    const s = distillationLoss(crossEntropy(), { type: 'soft', alpha, tau })(tf.tensor2d(logits), t, tf.tensor2d(teacher));
    expect(s.dataSync()[0]).toBeCloseTo((1 - alpha) * base + alpha * soft, 5);
    const h = distillationLoss(crossEntropy(), { type: 'hard', alpha, tau })(tf.tensor2d(logits), t, tf.tensor2d(teacher));
    expect(h.dataSync()[0]).toBeCloseTo((1 - alpha) * base + alpha * hard, 5);
  });

  it('EMA follows ema ← d·ema + (1−d)·w and swaps weights in and out for evaluation', async () => {
    class M extends Module {
      fc = this.addModule('fc', new Linear(2, 1));
    }
    const m = new M();
    const w0 = Array.from(m.fc.weight.variable.dataSync());
    const ema = new WeightEma(m, 0.5);
    m.fc.weight.variable.assign(tf.tensor2d([[1], [2]]));
    ema.update();
    const expected = [0.5 * w0[0] + 0.5 * 1, 0.5 * w0[1] + 0.5 * 2];
    const inside = await ema.withWeights(() => Array.from(m.fc.weight.variable.dataSync()));
    expect(inside[0]).toBeCloseTo(expected[0], 6);
    expect(inside[1]).toBeCloseTo(expected[1], 6);
    expect(Array.from(m.fc.weight.variable.dataSync())).toEqual([1, 2]);
    ema.dispose();
    m.dispose();
  });
});
