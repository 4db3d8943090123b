// Segmentation runs through the shared trainer: the registry's optimizer and schedule, gradient clipping, EMA,
// checkpoints that resume exactly (after SIGKILL or an abort), and the divergence guard.
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, s, selectBackend, stateDict, tf } from '@vitkit/core';
import type { ComponentDefinition, Registry } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as data } from '@vitkit/data';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { loadCheckpoint } from '../checkpoint';
import { trainerPlugin } from '../components';
import { NonFiniteLossError } from '../divergence';
import { cosineSchedule } from '../optim/schedule';
import type { MetricRecord } from '../report';
import { killWhenCheckpointed, TS_REQUIRE_HOOK } from '../testing/kill-child';
import { segmentationResult } from '../testing/results';
import { tinySegmentationSpec } from '../testing/tiny-segmentation';
import { Trainer } from '../trainer';
import { pixelCrossEntropy } from './loss';
import type { PixelLossFn } from './loss';

const quiet = { progress: null, log: () => undefined } as const;
const registry = (...extra: Array<ComponentDefinition<unknown, unknown>>): Registry => {
  const r = createRegistry({ plugins: [tokenizers, backbones, data, trainerPlugin] });
  for (const d of extra) r.register(d);
  return r;
};
const tmp = (name: string) => fs.mkdtemp(path.join(os.tmpdir(), `vitkit-segtrain-${name}-`));

async function metricLines(dir: string): Promise<MetricRecord[]> {
  return (await fs.readFile(path.join(dir, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MetricRecord);
}

/** AdamW with a warmed-up cosine, clipping, EMA and random crop + flip: every part whose state a checkpoint must carry. */
function fullRecipe(outDir: string) {
  return tinySegmentationSpec(outDir, {
    seed: 4,
    data: { cropPadding: 2, flip: true },
    train: {
      epochs: 3,
      optimizer: { type: 'adamw', lr: 0.01, weightDecay: 0.05 },
      schedule: { type: 'cosine', warmupSteps: 2 },
      clipGradNorm: 1,
      ema: { decay: 0.9 },
      checkpointEvery: 1,
    },
  });
}

/** pixel-cross-entropy that calls `onCall(n)` on its n-th call and returns `scale(n)` times the true loss. */
function scriptedPixelLoss(name: string, o: { onCall?: (n: number) => void; scale?: (n: number) => number }): ComponentDefinition<unknown, unknown> {
  let calls = 0;
  const def: ComponentDefinition<Record<string, never>, PixelLossFn> = {
    kind: 'loss',
    name,
    owner: 'test',
    description: 'pixel-cross-entropy with a script',
    options: s.object({}),
    create: () => (logits, { labels }) => {
      calls += 1;
      o.onCall?.(calls);
      const l = pixelCrossEntropy(logits, labels);
      const k = o.scale?.(calls) ?? 1;
      return k === 1 ? l : (tf.mul(l, k) as tf.Scalar);
    },
  };
  return def as ComponentDefinition<unknown, unknown>;
}

describe('segmentation training in the shared loop', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('uses the optimizer and schedule the spec names: AdamW + cosine logs the cosine rates and ends elsewhere than SGD at a constant rate', async () => {
    const run = async (train: Record<string, unknown>) => {
      const dir = await tmp('opt');
      const t = await Trainer.create(tinySegmentationSpec(dir, { train: { epochs: 1, ...train } }), { ...quiet, registry: registry(), report: false });
      await t.fit();
      const weights = stateDict(t.model);
      const lines = await metricLines(dir);
      const ck = await loadCheckpoint(t.checkpointFile);
      t.dispose();
      return { weights, lrs: lines.filter((l) => l.type === 'train').map((l) => l.lr as number), ck };
    };
    const sgd = await run({});
    const adamw = await run({ optimizer: { type: 'adamw', lr: 0.01 }, schedule: { type: 'cosine', warmupSteps: 2, warmupLr: 0.001, minLr: 0.0001 } });
    expect(sgd.lrs).toEqual([0.05, 0.05, 0.05, 0.05]);
    const cosine = cosineSchedule({ baseLr: 0.01, totalSteps: 4, warmupSteps: 2, warmupLr: 0.001, minLr: 0.0001 });
    expect(adamw.lrs).toEqual([0, 1, 2, 3].map((i) => cosine.lr(i)));
    expect(sgd.ck.meta.optimizer.type).toBe('sgd');
    expect(adamw.ck.meta.optimizer.type).toBe('adamw');
    expect(adamw.ck.meta.optimizer.scalars.step).toBe(4);
    // The same initial weights and batches: only the optimizer and the schedule differ.
    let diff = 0;
    for (const [k, v] of sgd.weights) adamw.weights.get(k)!.data.forEach((x, i) => (diff = Math.max(diff, Math.abs(x - v.data[i]))));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('clips the gradient norm the spec names: one SGD step moves the weights by at most lr × clipGradNorm', async () => {
    const dir = await tmp('clip');
    const clip = 1e-3;
    const t = await Trainer.create(
      tinySegmentationSpec(dir, { train: { optimizer: { type: 'sgd', lr: 0.05, momentum: 0, nesterov: false, weightDecay: 0 }, clipGradNorm: clip } }),
      { ...quiet, registry: registry() },
    );
    const before = stateDict(t.model);
    const iter = t.data.train.iterate({ epoch: 0, batch: 0 });
    const b = (await iter.next()).value!;
    await t.trainStep(b.x, b.y, b.labels);
    b.x.dispose();
    await iter.return(undefined);
    let sq = 0;
    for (const [k, v] of stateDict(t.model)) {
      if (k.includes('running_') || k.endsWith('num_batches_tracked')) continue; // BatchNorm statistics move by momentum, not by the gradient
      const w0 = before.get(k)!.data;
      v.data.forEach((x, i) => (sq += (x - w0[i]) ** 2));
    }
    t.dispose();
    expect(Math.sqrt(sq)).toBeGreaterThan(0);
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(0.05 * clip * (1 + 1e-4));
  });

  it('an aborted run (Ctrl-C in the CLI) stops after the current step with a checkpoint, and resuming it ends with the losses and weights of an uninterrupted run', async () => {
    const dirA = await tmp('abort-a');
    const a = await Trainer.create(fullRecipe(dirA), { ...quiet, registry: registry() });
    segmentationResult(await a.fit());
    const expected = stateDict(a.model);
    a.dispose();

    const dirB = await tmp('abort-b');
    const stop = new AbortController();
    const spec = { ...fullRecipe(dirB) };
    spec.train = { ...spec.train, loss: { type: 'abort-on-5' } } as typeof spec.train;
    const b = await Trainer.create(spec, { ...quiet, registry: registry(scriptedPixelLoss('abort-on-5', { onCall: (n) => n === 5 && stop.abort() })), signal: stop.signal });
    const stopped = await b.fit();
    b.dispose();
    expect(stopped).toMatchObject({ stopped: true, step: 5, totalSteps: 12 });
    expect((await loadCheckpoint(path.join(dirB, 'checkpoint.safetensors'))).meta.step).toBe(5);
    await expect(fs.access(path.join(dirB, 'model.safetensors'))).rejects.toThrow();

    const c = await Trainer.create(spec, { ...quiet, registry: registry(scriptedPixelLoss('abort-on-5', {})), resume: true });
    expect(c.step).toBe(5);
    await c.fit();
    const got = stateDict(c.model);
    c.dispose();
    for (const [k, v] of expected) expect(Array.from(got.get(k)!.data)).toEqual(Array.from(v.data));
    const losses = async (dir: string) => (await metricLines(dir)).map((l) => [l.type, l.step, l.loss, l.mIoU ?? l.acc]);
    expect(await losses(dirB)).toEqual(await losses(dirA));
  });

  it('a process killed with SIGKILL resumes from its last checkpoint to the same losses and weights as an uninterrupted run', async () => {
    const dirA = await tmp('kill-a');
    const a = await Trainer.create(fullRecipe(dirA), { ...quiet, registry: registry() });
    await a.fit();
    const expected = stateDict(a.model);
    a.dispose();

    const dirB = await tmp('kill-b');
    await fs.writeFile(path.join(dirB, 'register.js'), TS_REQUIRE_HOOK);
    const child = `
      require(${JSON.stringify(path.join(dirB, 'register.js'))});
      const { createRegistry, selectBackend } = require('@vitkit/core');
      const { Trainer } = require(${JSON.stringify(path.join(__dirname, '..', 'trainer.ts'))});
      const { trainerPlugin } = require(${JSON.stringify(path.join(__dirname, '..', 'components.ts'))});
      (async () => {
        await selectBackend('wasm', { quiet: true });
        const registry = createRegistry({ plugins: ['tokenizers', 'backbones', 'data'].map((p) => require('@vitkit/' + p).plugin).concat([trainerPlugin]) });
        const t = await Trainer.create(${JSON.stringify(fullRecipe(dirB))}, { registry, progress: null, log: () => {} });
        await t.fit();
        process.stdout.write('finished\\n');
      })().catch((e) => { console.error(e); process.exit(1); });
    `;
    const file = path.join(dirB, 'checkpoint.safetensors');
    const killedAt = await killWhenCheckpointed(child, file, 3);
    const ck = await loadCheckpoint(file);
    expect(ck.meta.step).toBeGreaterThanOrEqual(killedAt);
    expect(ck.meta.step).toBeLessThan(12);

    const b = await Trainer.create(fullRecipe(dirB), { ...quiet, registry: registry(), resume: true });
    expect(b.step).toBe(ck.meta.step);
    await b.fit();
    const got = stateDict(b.model);
    b.dispose();
    for (const [k, v] of expected) expect(Array.from(got.get(k)!.data)).toEqual(Array.from(v.data));
    const losses = async (dir: string) => (await metricLines(dir)).map((l) => [l.type, l.step, l.loss, l.mIoU ?? l.acc]);
    expect(await losses(dirB)).toEqual(await losses(dirA));
  }, 120_000);

  it('a NaN loss stops the run with a clear error naming the last healthy checkpoint; what was written stays intact', async () => {
    const dir = await tmp('nan');
    const spec = tinySegmentationSpec(dir, { train: { checkpointEvery: 2, loss: { type: 'nan-from-6' } } });
    const tensorsBefore = tf.memory().numTensors;
    const t = await Trainer.create(spec, { ...quiet, registry: registry(scriptedPixelLoss('nan-from-6', { scale: (n) => (n >= 6 ? NaN : 1) })) });
    let err: unknown;
    try {
      await t.fit();
    } catch (e) {
      err = e;
    }
    const weights = [...stateDict(t.model).values()];
    t.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    const nan = err as NonFiniteLossError;
    expect(nan.step).toBe(6);
    const checkpoint = path.join(dir, 'checkpoint.safetensors');
    expect(nan.message).toMatch(/^loss is NaN at step 6 \(gradient norm NaN\)\. No update from step 6 was applied/);
    expect(nan.message).toContain(`${checkpoint} (step 4)`);
    expect((await loadCheckpoint(checkpoint)).meta.step).toBe(4);
    for (const w of weights) expect(Array.from(w.data).every(Number.isFinite)).toBe(true);
    const lines = await metricLines(dir);
    expect(lines.filter((l) => l.type === 'train').map((l) => l.step)).toEqual([1, 2, 3, 4, 5]);
    expect(lines.every((l) => Number.isFinite(l.loss))).toBe(true);
  });

  it('refuses what segmentation cannot do, naming the spec path: a per-image loss, data-parallel workers', async () => {
    const dir = await tmp('refuse');
    await expect(Trainer.create(tinySegmentationSpec(dir, { train: { loss: { type: 'cross-entropy' } } }), { ...quiet, registry: registry() })).rejects.toThrow(
      /train\.loss: "cross-entropy" takes one label per image; a segmentation spec needs a per-pixel loss such as "pixel-cross-entropy"/,
    );
    await expect(Trainer.create(tinySegmentationSpec(dir, { train: { workers: 2 } }), { ...quiet, registry: registry() })).rejects.toThrow(/train\.workers: segmentation trains on one replica/);
  });
});
