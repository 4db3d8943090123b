// The loop's hooks on their own: when they write checkpoints and metric lines, and what they carry across.
import { CheckpointHook } from './checkpoint-hook';
import { EvaluationHook } from './evaluation-hook';
import type { StepEnd } from './hooks';
import { MetricsHook } from './metrics-hook';
import type { MetricRecord } from '../report';

/** Steps 1..n of one epoch of `epochSteps` batches (the last one ends the epoch), stopping at `stopAt`. */
function steps(n: number, epochSteps: number, stopAt?: number): StepEnd[] {
  return Array.from({ length: n }, (_, i) => ({
    step: i + 1,
    epoch: Math.floor(i / epochSteps),
    batch: (i % epochSteps) + 1,
    epochSteps,
    stats: { loss: i + 1, correct: 1, count: 2, images: 2 },
    endOfEpoch: (i + 1) % epochSteps === 0,
    stopping: i + 1 === stopAt,
  }));
}

describe('loop hooks', () => {
  it('CheckpointHook: every N steps and when stopping, never twice at an epoch end (the epoch checkpoint follows)', async () => {
    const saved: Array<[number, Record<string, unknown> | undefined]> = [];
    let step = 0;
    const hook = new CheckpointHook({ every: 2, save: async (extra) => void saved.push([step, extra]), extra: () => ({ lastEval: step }) });
    for (const e of steps(5, 4, 5)) {
      step = e.step;
      await hook.afterStep(e);
      if (e.endOfEpoch) await hook.afterEpoch();
    }
    expect(saved).toEqual([
      [2, undefined],
      [4, { lastEval: 4 }],
      [5, undefined],
    ]);
  });

  it('MetricsHook: a line every logEvery steps and at each epoch end, from the shared window it resets', async () => {
    const lines: MetricRecord[] = [];
    const window = { loss: 0, correct: 0, count: 0, images: 0, steps: 0 };
    const hook = new MetricsHook({ logEvery: 2, stepsPerEpoch: 3, window, lr: (i) => i / 10, elapsed: () => 7, write: async (r) => void lines.push(r) });
    hook.beginEpoch();
    for (const e of steps(5, 3)) await hook.afterStep(e);
    expect(lines.map((l) => [l.step, l.epoch, l.loss, l.lr])).toEqual([
      [2, 2 / 3, 1.5, 0.1],
      [3, 1, 3, 0.2],
      [4, 1 + 1 / 3, 4, 0.3],
    ]);
    // Step 5 is in the window a checkpoint would carry.
    expect(window).toEqual({ loss: 10, correct: 1, count: 2, images: 2, steps: 1 });
  });

  it('EvaluationHook: every evalEvery epochs and after the last step, with the task\'s score fields; remembers the latest', async () => {
    const lines: MetricRecord[] = [];
    const result = { live: { loss: 1, mIoU: 0.25 }, ema: { loss: 2, mIoU: 0.5 } };
    const hook = new EvaluationHook({
      evalEvery: 2,
      epochs: 3,
      stepsPerEpoch: 10,
      setName: 'test',
      evaluate: async () => result,
      fields: (r) => ({ mIoU: (r.live as typeof result.live).mIoU, emaMIoU: (r.ema as typeof result.ema).mIoU }),
      write: async (r) => void lines.push(r),
      log: () => undefined,
    });
    for (const [epoch, last] of [[0, false], [1, false], [2, true]] as const) await hook.afterEpoch({ epoch, step: (epoch + 1) * 10, last });
    expect(lines).toEqual([
      { type: 'eval', step: 20, epoch: 2, set: 'test', loss: 1, mIoU: 0.25, emaMIoU: 0.5 },
      { type: 'eval', step: 30, epoch: 3, set: 'test', loss: 1, mIoU: 0.25, emaMIoU: 0.5 },
    ]);
    expect(hook.last?.step).toBe(30);
  });
});
