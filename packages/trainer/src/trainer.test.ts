import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, createRegistry, selectBackend, stateDict, readSafetensors, SpecError } from '@vitkit/core';
import type { ComponentDefinition } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { Trainer, NonFiniteLossError } from './trainer';
import { loadCheckpoint } from './checkpoint';
import { syntheticData } from './testing/synthetic';
import { TINY_VIT, tinyRunSpec } from './testing/tiny-run';
import { classificationResult } from './testing/results';
import { s } from '@vitkit/core';
import type { LossFn } from './loss/losses';
import { crossEntropy } from './loss/losses';

const tinyVit = { ...TINY_VIT, dropRate: 0.1, dropPathRate: 0.2 };

function spec(outDir: string, train: Record<string, unknown> = {}) {
  return tinyRunSpec(outDir, { model: tinyVit, train: { ema: { decay: 0.9 }, ...train } });
}

function registry() {
  return createRegistry({ plugins: [tokenizers, backbones] });
}

const quiet = { progress: null, log: () => undefined, data: syntheticData() } as const;

async function tmp(name: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `vitkit-trainer-${name}-`));
}

function weights(t: Trainer): Map<string, number[]> {
  return new Map([...stateDict(t.model)].map(([k, v]) => [k, Array.from(v.data)]));
}

describe('Trainer on cpu', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('a run stopped mid-epoch and resumed in fresh objects ends with the same weights as an uninterrupted run', async () => {
    const dirA = await tmp('full');
    const a = await Trainer.create(spec(dirA), { ...quiet, registry: registry() });
    expect(a.totalSteps).toBe(12);
    const ra = await a.fit();
    expect(ra.stopped).toBe(false);
    expect(ra.step).toBe(12);
    const wa = weights(a);
    const emaA = a.ema!.getState();
    const optA = a.optimizer.getState();
    a.dispose();

    const dirB = await tmp('resumed');
    const b1 = await Trainer.create(spec(dirB), { ...quiet, registry: registry(), stopAfterStep: 5 });
    const rb1 = await b1.fit();
    expect(rb1.stopped).toBe(true);
    expect(rb1.step).toBe(5);
    b1.dispose();
    const ck = await loadCheckpoint(path.join(dirB, 'checkpoint.safetensors'));
    expect(ck.meta.step).toBe(5);
    expect(ck.meta.position).toEqual({ epoch: 0, batch: 5 });

    // A new registry, model, optimizer and loader: nothing survives but the checkpoint file.
    const b2 = await Trainer.create(spec(dirB), { ...quiet, registry: registry(), resume: true });
    expect(b2.step).toBe(5);
    const rb2 = await b2.fit();
    expect(rb2.step).toBe(12);
    const wb = weights(b2);
    expect([...wb.keys()]).toEqual([...wa.keys()]);
    for (const [k, v] of wa) expect(wb.get(k)).toEqual(v);
    const emaB = b2.ema!.getState();
    for (const [k, v] of emaA) expect(Array.from(emaB.get(k)!.data)).toEqual(Array.from(v.data));
    const optB = b2.optimizer.getState();
    expect(optB.scalars).toEqual(optA.scalars);
    for (const [k, v] of optA.tensors) expect(Array.from(optB.tensors.get(k)!.data)).toEqual(Array.from(v.data));
    // The metrics of the resumed run continue the interrupted one: same train lines as the uninterrupted run.
    const lines = async (d: string) =>
      (await fs.readFile(path.join(d, 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map(({ type, step, loss, acc, top1 }) => ({ type, step, loss, acc, top1 }));
    expect(await lines(dirB)).toEqual(await lines(dirA));
    b2.dispose();
  });

  it('resumes exactly with the real @vitkit/data loader (augmentation and mixup random numbers included)', async () => {
    const dataSpec = {
      train: { type: 'synthetic', numSamples: 40, numClasses: 3, imageSize: 8, channels: 1 },
      test: { type: 'synthetic', split: 'test', numSamples: 12, numClasses: 3, imageSize: 8, channels: 1 },
      transforms: [{ type: 'random-crop', size: 8, padding: 1 }, { type: 'horizontal-flip' }],
      batchTransforms: [{ type: 'mixup', alpha: 0.8 }],
      batchSize: 8,
    };
    const mk = (dir: string) => ({ ...spec(dir, { epochs: 1.5, loss: { type: 'soft-target-cross-entropy' } }), data: dataSpec });
    const opts = { progress: null, log: () => undefined } as const;
    const dirA = await tmp('real-full');
    const a = await Trainer.create(mk(dirA), { ...opts, registry: registry() });
    expect(a.totalSteps).toBe(8);
    await a.fit();
    const wa = weights(a);
    a.dispose();
    const dirB = await tmp('real-resumed');
    const b1 = await Trainer.create(mk(dirB), { ...opts, registry: registry(), stopAfterStep: 6 });
    expect((await b1.fit()).stopped).toBe(true);
    b1.dispose();
    const b2 = await Trainer.create(mk(dirB), { ...opts, registry: registry(), resume: true });
    expect(b2.position).toEqual({ epoch: 1, batch: 1 });
    await b2.fit();
    for (const [k, v] of wa) expect(weights(b2).get(k)).toEqual(v);
    b2.dispose();
  });

  it('keeps the tensor count stable across training steps', async () => {
    const dir = await tmp('mem');
    const t = await Trainer.create(spec(dir), { ...quiet, registry: registry() });
    const it = t.data.train.iterate({ epoch: 0, batch: 0 });
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const b = (await it.next()).value!;
      await t.trainStep(b.x, b.y, b.labels);
      b.x.dispose();
      b.y.dispose();
      counts.push(tf.memory().numTensors);
    }
    await it.return(undefined);
    // Step 1 creates the optimizer slots; from then on nothing may accumulate.
    expect(counts[2]).toBe(counts[1]);
    expect(counts[3]).toBe(counts[1]);
    t.dispose();
  });

  it('stops on a NaN loss naming the step and keeps the last good checkpoint', async () => {
    const dir = await tmp('nan');
    const reg = registry();
    let calls = 0;
    const base = crossEntropy();
    const nanLoss: ComponentDefinition<Record<string, never>, LossFn> = {
      kind: 'loss',
      name: 'nan-at-step-4',
      owner: 'test',
      description: 'cross-entropy that becomes NaN on its 4th call',
      options: s.object({}),
      create: () => (logits, t) => (++calls === 4 ? tf.tidy(() => tf.mul(base(logits, t), NaN) as tf.Scalar) : base(logits, t)),
    };
    reg.register(nanLoss);
    const t = await Trainer.create(spec(dir, { loss: { type: 'nan-at-step-4' }, checkpointEvery: 2 }), { ...quiet, registry: reg });
    const before = weights(t);
    let err: unknown;
    try {
      await t.fit();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as Error).message).toMatch(/loss is NaN at step 4/);
    expect((err as Error).message).toContain(path.join(dir, 'checkpoint.safetensors'));
    expect((err as NonFiniteLossError).lastCheckpointStep).toBe(2);
    const ck = await loadCheckpoint(path.join(dir, 'checkpoint.safetensors'));
    expect(ck.meta.step).toBe(2);
    // The NaN step applied no update: the live weights are those after step 3, all finite.
    for (const v of weights(t).values()) expect(v.every(Number.isFinite)).toBe(true);
    expect(weights(t)).not.toEqual(before);
    t.dispose();
  });

  it('spec errors name the exact path', async () => {
    const bad = spec('/tmp/x') as Record<string, unknown>;
    (bad.train as Record<string, unknown>).optimizer = { type: 'adamw', lr: 'fast' };
    await expect(Trainer.create(bad, { ...quiet, registry: registry() })).rejects.toThrow(/train\.optimizer\.lr: "fast" is not valid/);
    const bad2 = spec('/tmp/x') as { data: Record<string, unknown> };
    bad2.data.batchSize = 0;
    await expect(Trainer.create(bad2, { ...quiet, registry: registry() })).rejects.toThrow(SpecError);
    await expect(Trainer.create(bad2, { ...quiet, registry: registry() })).rejects.toThrow(/data\.batchSize/);
  });
});

describe('Trainer on wasm', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('learns the synthetic task, writes metrics, weights and an HTML report; a teacher distils into a student', async () => {
    const dir = await tmp('wasm');
    const sp = spec(dir, { epochs: 6, ema: undefined, optimizer: { type: 'adamw', lr: 3e-3, weightDecay: 0.05 } });
    sp.model = { ...tinyVit, dropRate: 0, dropPathRate: 0 };
    const t = await Trainer.create(sp, {
      ...quiet,
      registry: registry(),
      data: syntheticData({ train: 96, test: 30 }),
    });
    const r = classificationResult(await t.fit());
    if (r.final!.top1 < 0.9) console.log(JSON.stringify(r.final!.confusion), JSON.stringify(await fs.readFile(path.join(dir, "metrics.jsonl"), "utf8")));
    expect(r.final!.top1).toBeGreaterThanOrEqual(0.9);
    expect(r.final!.count).toBe(30);
    expect(r.final!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(30);
    t.dispose();
    const html = await fs.readFile(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toMatch(/test top-1/);
    const { tensors } = await readSafetensors(path.join(dir, 'model.safetensors'));
    expect(tensors.has('head.weight')).toBe(true);

    // Distillation from the checkpoint just trained (hard and soft), student with SGD.
    for (const type of ['hard', 'soft'] as const) {
      const sdir = await tmp(`distill-${type}`);
      const st = await Trainer.create(
        spec(sdir, {
          epochs: 4,
          ema: undefined,
          optimizer: type === 'hard' ? { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0 } : { type: 'adamw', lr: 3e-3 },
          distillation: { teacher: { ...tinyVit, dropRate: 0, dropPathRate: 0 }, weights: path.join(dir, 'checkpoint.safetensors'), type, alpha: 0.5, tau: 2 },
        }),
        { ...quiet, registry: registry(), data: syntheticData({ train: 96, test: 30 }) },
      );
      const sr = classificationResult(await st.fit());
      expect(Number.isFinite(sr.final!.loss)).toBe(true);
      if (sr.final!.top1 <= 0.5) console.log(type, sr.final);
      expect(sr.final!.top1).toBeGreaterThan(0.5);
      st.dispose();
    }
  });
});
