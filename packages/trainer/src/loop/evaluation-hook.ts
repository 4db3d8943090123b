import type { EvalResult } from '../metrics';
import type { MetricRecord } from '../report';
import type { EpochEnd, LoopHook } from './hooks';

/** An evaluation of the live weights and, with train.ema, of the EMA weights. */
export interface EvalPair {
  live: EvalResult;
  ema?: EvalResult;
}

export interface EvaluationHookOptions {
  /** Evaluate every N epochs (and always after the last step). */
  evalEvery: number;
  epochs: number;
  stepsPerEpoch: number;
  /** Name of the evaluated set ('test', 'validation'). */
  setName: string;
  evaluate(): Promise<EvalPair>;
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
      top1: result.live.top1,
      top5: result.live.top5,
      ...(result.ema ? { emaTop1: result.ema.top1, emaTop5: result.ema.top5 } : {}),
    });
    this.o.log(e, result);
  }
}
