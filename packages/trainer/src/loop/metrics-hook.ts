import type { MetricRecord } from '../report';
import type { LoopHook, StepEnd } from './hooks';

/** Sums of the current metrics window; checkpoints carry them so that a resumed run logs the same lines. */
export interface MetricWindow {
  loss: number;
  correct: number;
  count: number;
  images: number;
  steps: number;
}

export interface MetricsHookOptions {
  /** Steps between train lines (a line also ends every epoch). */
  logEvery: number;
  stepsPerEpoch: number;
  /** The window in progress, shared with the checkpoints (updated in place). */
  window: MetricWindow;
  /** Learning rate of the step with this 0-based index. */
  lr(stepIndex: number): number;
  /** Wall time of the whole run so far, seconds. */
  elapsed(): number;
  write(r: MetricRecord): Promise<void>;
}

/** Writes a `train` line to metrics.jsonl every `logEvery` steps and at the end of each epoch. */
export class MetricsHook implements LoopHook {
  private since = Date.now();

  constructor(private readonly o: MetricsHookOptions) {}

  beginEpoch(): void {
    this.since = Date.now();
  }

  async afterStep(e: StepEnd): Promise<void> {
    const w = this.o.window;
    w.loss += e.stats.loss * e.stats.count;
    w.correct += e.stats.correct;
    w.count += e.stats.count;
    w.images += e.stats.images;
    w.steps += 1;
    if (e.step % this.o.logEvery !== 0 && !e.endOfEpoch) return;
    const seconds = (Date.now() - this.since) / 1000;
    await this.o.write({
      type: 'train',
      step: e.step,
      epoch: e.epoch + e.batch / this.o.stepsPerEpoch,
      loss: w.loss / w.count,
      acc: w.correct / w.count,
      lr: this.o.lr(e.step - 1),
      imagesPerSecond: w.images / Math.max(seconds, 1e-9),
      elapsed: this.o.elapsed(),
    });
    Object.assign(w, { loss: 0, correct: 0, count: 0, images: 0, steps: 0 });
    this.since = Date.now();
  }
}
