import type { MetricRecord } from '../report';
import type { EvalPair } from '../task/task';
import type { EpochEnd, LoopHook } from './hooks';

export type { EvalPair };

export interface EvaluationHookOptions {
  /** Evaluate every N epochs (and always after the last step). */
  evalEvery: number;
  epochs: number;
  stepsPerEpoch: number;
  /** Name of the evaluated set ('test', 'validation'). */
  setName: string;
  evaluate(): Promise<EvalPair>;
  /** The task's scores for the eval line (top-1/top-5; mIoU, pixel accuracy, per-class IoU), EMA ones included. */
  fields(result: EvalPair): Record<string, unknown>;
  write(r: MetricRecord): Promise<void>;
  /** One summary line per evaluation. */
  log(e: EpochEnd, result: EvalPair): void;
}

/** Evaluates at the end of every `evalEvery`-th epoch and of the run; remembers the latest result. */
export class EvaluationHook implements LoopHook {
  private latest?: { result: EvalPair; step: number };

  constructor(private readonly o: EvaluationHookOptions) {}

  /** The latest evaluation and the step it was made at (undefined before the first). */
  get last(): { result: EvalPair; step: number } | undefined {
    return this.latest;
  }

  async afterEpoch(e: EpochEnd): Promise<void> {
    if (!e.last && (e.epoch + 1) % this.o.evalEvery !== 0) return;
    const result = await this.o.evaluate();
    this.latest = { result, step: e.step };
    await this.o.write({
      type: 'eval',
      step: e.step,
      epoch: e.step / this.o.stepsPerEpoch,
      set: this.o.setName,
      loss: result.live.loss,
      ...this.o.fields(result),
    });
    this.o.log(e, result);
  }
}
