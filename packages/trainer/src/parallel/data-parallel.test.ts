// Data-parallel training (train.workers): the averaged gradients of two replicas equal one replica's on the whole
// batch, memory stays flat, worker failures are reported with their rank, and the workers stop with the run.
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, selectBackend, SpecError, stateDict, tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { syntheticData } from '../testing/synthetic';
import { TINY_VIT, tinyRunSpec } from '../testing/tiny-run';
import { evaluateModel } from '../evaluate';
import type { EvalResult } from '../metrics';
import { classificationResult } from '../testing/results';
import { Trainer } from '../trainer';
import { splitRows, workerStepSeed } from './protocol';

// TINY_VIT has no dropout, drop path or BatchNorm: then the split batch must give the same update as the whole one.
const tinyVit = TINY_VIT;
const spec = (outDir: string, train: Record<string, unknown> = {}) => tinyRunSpec(outDir, { seed: 5, batchSize: 7, train: { epochs: 1, schedule: { type: 'cosine', warmupSteps: 1 }, ...train } });

const quiet = { progress: null, log: () => undefined, data: syntheticData({ train: 28 }), report: false } as const;
const registry = () => createRegistry({ plugins: [tokenizers, backbones] });
const tmp = (name: string) => fs.mkdtemp(path.join(os.tmpdir(), `vitkit-dp-${name}-`));
const weights = (t: Trainer) => new Map([...stateDict(t.model)].map(([k, v]) => [k, Array.from(v.data)]));

describe('data-parallel training (train.workers)', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it('splits a batch into near-equal row counts and seeds each worker step differently', () => {
    expect(splitRows(7, 2)).toEqual([4, 3]);
    expect(splitRows(64, 2)).toEqual([32, 32]);
    expect(splitRows(2, 3)).toEqual([1, 1, 0]);
    const seeds = new Set([0, 1, 2].flatMap((step) => [1, 2].map((rank) => workerStepSeed(5, step, rank))));
    expect(seeds.size).toBe(6);
    expect(workerStepSeed(5, 3, 1)).toBe(workerStepSeed(5, 3, 1));
  });

  it('two replicas train to the same weights and losses as one (odd batch of 7 split 4 + 3)', async () => {
    const single = await Trainer.create(spec(await tmp('one')), { ...quiet, registry: registry() });
    const a = await single.fit();
    const parallel = await Trainer.create(spec(await tmp('two'), { workers: 2 }), { ...quiet, registry: registry() });
    const b = await parallel.fit();
    expect(b.step).toBe(a.step);
    expect(b.step).toBe(4);
    const wa = weights(single);
    const wb = weights(parallel);
    let maxDiff = 0;
    for (const [k, v] of wa) v.forEach((x, i) => (maxDiff = Math.max(maxDiff, Math.abs(x - wb.get(k)![i]))));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(maxDiff).toBeGreaterThan(0); // a different summation order: the second replica really computed its rows
    const losses = async (t: Trainer) =>
      (await fs.readFile(t.metricsFile, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === 'train')
        .map((r) => r.loss as number);
    const la = await losses(single);
    const lb = await losses(parallel);
    expect(lb).toHaveLength(la.length);
    lb.forEach((l, i) => expect(l).toBeCloseTo(la[i], 5));
    single.dispose();
    parallel.dispose();
  });

  it('an interrupted data-parallel run with dropout and drop path resumes to the same weights', async () => {
    // Dropout masks differ per replica and per step; the worker's are seeded from (seed, step, rank).
    const noisy = (dir: string) => ({ ...spec(dir, { workers: 2, epochs: 2 }), model: { ...tinyVit, dropRate: 0.1, dropPathRate: 0.2 } });
    const a = await Trainer.create(noisy(await tmp('full')), { ...quiet, registry: registry() });
    await a.fit();
    const wa = weights(a);
    a.dispose();
    const dirB = await tmp('resumed');
    const b1 = await Trainer.create(noisy(dirB), { ...quiet, registry: registry(), stopAfterStep: 5 });
    expect((await b1.fit()).stopped).toBe(true);
    b1.dispose();
    const b2 = await Trainer.create(noisy(dirB), { ...quiet, registry: registry(), resume: true });
    await b2.fit();
    expect(b2.step).toBe(8);
    for (const [k, v] of wa) expect(weights(b2).get(k)).toEqual(v);
    b2.dispose();
  });

  it('evaluates on both replicas with the same metrics as one replica, for trained BatchNorm statistics and EMA weights', async () => {
    // A T2T convolution tokenizer with BatchNorm: the worker must use the main thread's running statistics.
    const bnModel = {
      ...tinyVit,
      tokenizer: { type: 't2t', attention: 'convolution', tokenDim: 8, kernelSizes: [3, 3, 3], strides: [2, 1, 1], paddings: [1, 1, 1], convNorm: 'batch', convActivation: 'gelu' },
    };
    const dir = await tmp('eval');
    const t = await Trainer.create(
      { ...spec(dir, { workers: 2, ema: { decay: 0.5, evaluate: true } }), model: bnModel, data: { ...spec(dir).data, evalBatchSize: 9 } },
      { ...quiet, data: syntheticData({ train: 28, test: 23 }), registry: registry() },
    );
    try {
      const r = classificationResult(await t.fit()); // its final evaluations ran on both replicas (workers close at the end of fit)
      const test = t.data.test!;
      const stats = t.model.namedBuffers().find(([n]) => n.endsWith('running_mean'));
      expect(stats).toBeDefined();
      expect(Math.max(...Array.from(stats![1].dataSync()).map(Math.abs))).toBeGreaterThan(0); // trained statistics
      const model = t.model as ImageClassifier;
      const single = await evaluateModel(model, test, t.data.numClasses);
      const singleEma = await t.ema!.withWeights(() => evaluateModel(model, test, t.data.numClasses));
      expect(single.loss).not.toBeCloseTo(singleEma.loss, 5); // the EMA weights really differ
      for (const [split, one] of [
        [r.final!, single],
        [r.finalEma!, singleEma],
        [(await t.evaluate(test, 'test')) as EvalResult, single], // 23 images in batches of 9 (5 + 4) and 5 (3 + 2)
      ]) {
        expect(split.count).toBe(23);
        expect(split.top1).toBe(one.top1);
        expect(split.loss).toBeCloseTo(one.loss, 5);
        expect(split.confusion).toEqual(one.confusion);
      }
      const before = tf.memory().numTensors;
      await t.evaluate(test, 'again');
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      // a failed expectation must not leave the workers running (they would keep jest alive)
      await t.close();
      t.dispose();
    }
  });

  it('keeps the tensor count stable across data-parallel steps and stops its workers on close()', async () => {
    const t = await Trainer.create(spec(await tmp('mem'), { workers: 2 }), { ...quiet, registry: registry() });
    const it = t.data.train.iterate({ epoch: 0, batch: 0 });
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = (await it.next()).value!;
      await t.trainStep(batch.x, batch.y, batch.labels);
      tf.dispose([batch.x, batch.y]);
      counts.push(tf.memory().numTensors);
    }
    await it.return(undefined);
    expect(counts[2]).toBe(counts[1]);
    await t.close();
    await t.close(); // idempotent
    t.dispose();
  });

  it('a replica that cannot be built fails the step with the worker rank and the cause', async () => {
    // The worker builds from the installed packages and the spec's plugins only: a model type registered in the main
    // thread's registry alone is unknown there.
    const reg = registry();
    reg.register({ ...reg.get('backbone', 'vit'), name: 'main-thread-only-vit', owner: 'test' });
    const t = await Trainer.create({ ...spec(await tmp('fail'), { workers: 2 }), model: { ...tinyVit, type: 'main-thread-only-vit' } }, { ...quiet, registry: reg });
    await expect(t.fit()).rejects.toThrow(/data-parallel worker 1: .*main-thread-only-vit/);
    t.dispose();
  });

  it('rejects distillation with workers > 1 at train.workers', async () => {
    const bad = { ...spec(await tmp('distill'), { workers: 2 }) };
    (bad.train as Record<string, unknown>).distillation = { teacher: tinyVit, weights: 'teacher.safetensors' };
    await expect(Trainer.create(bad, { ...quiet, registry: registry() })).rejects.toThrow(SpecError);
    await expect(Trainer.create(bad, { ...quiet, registry: registry() })).rejects.toThrow(/train\.workers/);
  });
});
