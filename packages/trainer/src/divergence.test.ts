// The divergence guard: a finite explosion stops the run at once, and the checkpoint the message names was written
// before the explosion began (not one written while the loss was already climbing).
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, s, selectBackend, stateDict, tf } from '@vitkit/core';
import type { ComponentDefinition } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { loadCheckpoint } from './checkpoint';
import { DEFAULT_DIVERGENCE, DivergenceError, DivergenceGuard, NonFiniteLossError } from './divergence';
import { crossEntropy } from './loss/losses';
import type { LossFn } from './loss/losses';
import { parseTrainSpec } from './spec';
import { syntheticData } from './testing/synthetic';
import { tinyRunSpec } from './testing/tiny-run';
import { Trainer } from './trainer';

describe('DivergenceGuard', () => {
  const guard = (o: Partial<typeof DEFAULT_DIVERGENCE> = {}) => new DivergenceGuard({ ...DEFAULT_DIVERGENCE, warmupSteps: 5, ...o }, Math.log(10));

  it('takes noise and a slow decline as healthy, and stops a loss far above its recent median', () => {
    const g = guard();
    for (let step = 1; step <= 30; step++) expect(g.check(step, 2.3 / Math.sqrt(step) + 0.2 * (step % 3), 1 + (step % 4))).toEqual({ diverged: false, calm: true });
    const v = g.check(31, 40, 3);
    expect(v.diverged).toBe(true);
    if (v.diverged) {
      expect(v.onset).toBe(31);
      expect(v.reason).toMatch(/^loss 40 is [\d.]+ times the median [\d.]+ of the last 30 steps \(limit: train.divergence.lossFactor 10\); gradient norm 3$/);
    }
  });

  it('does not call a nearly fitted model\'s wobble an explosion (below the uniform-guess loss ln K)', () => {
    const g = guard();
    for (let step = 1; step <= 20; step++) g.check(step, 0.001, 0.01);
    expect(g.check(21, 0.5, 0.02)).toEqual({ diverged: false, calm: true });
  });

  it('stops a non-finite or exploding gradient norm while the loss still looks normal', () => {
    const g = guard();
    for (let step = 1; step <= 10; step++) g.check(step, 1, 2);
    const inf = g.check(11, 1, Infinity);
    expect(inf.diverged && inf.reason).toBe('the gradient norm is Infinity (loss 1)');
    const huge = g.check(11, 1, 5000);
    expect(huge.diverged && huge.reason).toMatch(/^the gradient norm 5000 is 2500 times the median 2 of the last 10 steps \(limit: train.divergence.gradNormFactor 1000\)/);
    const capped = guard({ maxGradNorm: 10 });
    expect(capped.check(1, 1, 11).diverged).toBe(true);
  });

  it('dates the onset to the first step of the climb; disabled, it still stops on NaN', () => {
    const g = guard({ enabled: false });
    for (let step = 1; step <= 10; step++) g.check(step, 1, 1);
    expect(g.check(11, 3, 1)).toEqual({ diverged: false, calm: false });
    expect(g.check(12, 1e9, 1)).toEqual({ diverged: false, calm: false });
    const v = g.check(13, NaN, NaN);
    expect(v).toEqual({ diverged: true, reason: 'loss is NaN', onset: 11, lastCalmStep: 10 });
  });

  it('is configured in train.divergence, with defaults and checked values', () => {
    const base = tinyRunSpec('/tmp/x');
    expect(parseTrainSpec(base).train.divergence).toEqual(DEFAULT_DIVERGENCE);
    expect(parseTrainSpec({ ...base, train: { ...base.train, divergence: { lossFactor: 4 } } }).train.divergence).toEqual({ ...DEFAULT_DIVERGENCE, lossFactor: 4 });
    expect(() => parseTrainSpec({ ...base, train: { ...base.train, divergence: { lossFactor: 1 } } })).toThrow(
      'train.divergence.lossFactor: 1 is not valid; expected a number > 1',
    );
  });
});

/**
 * Cross-entropy rescaled so that its value follows a script: normal for steps 1–11, then 5× and 7× the median of the
 * losses so far (above the calm band but below the explosion limit: the climb begins at step 12), 1e8 at step 14
 * (a finite explosion) and NaN from step 15 on. Its gradients scale with it, as in a real blow-up.
 */
function scriptedLoss(): ComponentDefinition<Record<string, never>, LossFn> {
  const base = crossEntropy();
  const seen: number[] = [];
  return {
    kind: 'loss',
    name: 'scripted-divergence',
    owner: 'test',
    description: 'cross-entropy that climbs from step 12, explodes at 14 and is NaN from 15',
    options: s.object({}),
    create: () => (logits, t) => {
      const step = seen.length + 1;
      const l = base(logits, t);
      const value = l.dataSync()[0];
      const med = [...seen].sort((a, b) => a - b)[seen.length >> 1];
      const target = step <= 11 ? value : step === 12 ? 5 * med : step === 13 ? 7 * med : step === 14 ? 1e8 : NaN;
      seen.push(target);
      return tf.mul(l, target / value) as tf.Scalar;
    },
  };
}

describe('a diverging run', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  async function diverge(divergence: Record<string, unknown>) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-diverge-'));
    const registry = createRegistry({ plugins: [tokenizers, backbones] });
    registry.register(scriptedLoss());
    const spec = tinyRunSpec(dir, { train: { epochs: 4, checkpointEvery: 2, loss: { type: 'scripted-divergence' }, divergence } });
    const tensorsBefore = tf.memory().numTensors;
    const t = await Trainer.create(spec, { progress: null, log: () => undefined, registry, data: syntheticData(), report: false });
    let err: unknown;
    try {
      await t.fit();
    } catch (e) {
      err = e;
    }
    const weights = [...stateDict(t.model).values()];
    t.dispose();
    // A run stopped by the guard gives back its tensors like any other (the step's gradients included).
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    return { dir, err: err as DivergenceError, weights };
  }

  it('stops at the finite explosion and names the checkpoint written before the climb began', async () => {
    const { dir, err, weights } = await diverge({ warmupSteps: 5 });
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err).not.toBeInstanceOf(NonFiniteLossError);
    expect(err.step).toBe(14);
    expect(err.loss).toBe(1e8);
    expect(err.onset).toBe(12);
    const healthy = path.join(dir, 'checkpoint-healthy.safetensors');
    expect(err.message).toMatch(/^training diverged at step 14: loss 1\.00e\+8 is [\d.e+]+ times the median [\d.]+ of the last 13 steps \(limit: train\.divergence\.lossFactor 10\); gradient norm [\d.e+]+\. No update from step 14 was applied; the explosion began at step 12/);
    expect(err.message).toContain(`The last checkpoint written before it is ${healthy} (step 10); resume from it with --checkpoint ${healthy}`);
    // Step 12's checkpoint (written while climbing) is on checkpoint.safetensors; step 10's was kept aside intact.
    expect((await loadCheckpoint(path.join(dir, 'checkpoint.safetensors'))).meta.step).toBe(12);
    const kept = await loadCheckpoint(healthy);
    expect(kept.meta.step).toBe(10);
    for (const w of weights) expect(Array.from(w.data).every(Number.isFinite)).toBe(true);

    // Resumed, the run still knows the kept checkpoint; a fresh run in the folder drops it (it is not this run's).
    const registry = createRegistry({ plugins: [tokenizers, backbones] });
    registry.register(scriptedLoss());
    const again = (resume: boolean) =>
      Trainer.create(tinyRunSpec(dir, { train: { epochs: 4, checkpointEvery: 2, loss: { type: 'scripted-divergence' } } }), {
        progress: null,
        log: () => undefined,
        registry,
        data: syntheticData(),
        resume,
      });
    const resumed = await again(true);
    expect(resumed.step).toBe(12);
    expect(resumed.lastHealthyCheckpoint()).toEqual({ file: healthy, step: 10 });
    resumed.dispose();
    const fresh = await again(false);
    expect(fresh.lastHealthyCheckpoint()).toBeUndefined();
    await expect(fs.access(healthy)).rejects.toThrow();
    fresh.dispose();
  });

  it('without the guard the run goes on to NaN, and the NaN stop still names the pre-climb checkpoint', async () => {
    const { dir, err } = await diverge({ enabled: false, warmupSteps: 5 });
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err.step).toBe(15);
    expect(err.message).toMatch(/^loss is NaN at step 15 \(gradient norm NaN\)\. No update from step 15 was applied; the explosion began at step 12/);
    // checkpoint.safetensors now holds step 14 (written after the 1e8 loss): not the one to resume from.
    expect((await loadCheckpoint(path.join(dir, 'checkpoint.safetensors'))).meta.step).toBe(14);
    expect(err.lastCheckpointStep).toBe(10);
    expect(err.lastCheckpoint).toBe(path.join(dir, 'checkpoint-healthy.safetensors'));
    expect((await loadCheckpoint(err.lastCheckpoint!)).meta.step).toBe(10);
  });
});
