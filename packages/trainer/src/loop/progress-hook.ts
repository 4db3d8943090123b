import type { ProgressBar } from '../progress';
import type { LoopHook, StepEnd } from './hooks';

export interface ProgressHookOptions {
  epochs: number;
  totalSteps: number;
  batchSize: number;
  lr(stepIndex: number): number;
}

/** Draws the epoch's progress bar: running loss and accuracy of the epoch, images per second, time left. */
export class ProgressHook implements LoopHook {
  private epoch = { loss: 0, correct: 0, count: 0, images: 0, since: Date.now() };

  constructor(
    private readonly bar: ProgressBar,
    private readonly o: ProgressHookOptions,
  ) {}

  beginEpoch(): void {
    this.epoch = { loss: 0, correct: 0, count: 0, images: 0, since: Date.now() };
  }

  afterStep(e: StepEnd): void {
    const ep = this.epoch;
    ep.loss += e.stats.loss * e.stats.count;
    ep.correct += e.stats.correct;
    ep.count += e.stats.count;
    ep.images += e.stats.images;
    const imagesPerSecond = ep.images / Math.max((Date.now() - ep.since) / 1000, 1e-9);
    const remainingImages = (this.o.totalSteps - e.step) * this.o.batchSize;
    this.bar.update(
      `epoch ${e.epoch + 1}/${this.o.epochs}`,
      e.batch,
      e.epochSteps,
      { loss: ep.loss / ep.count, acc: ep.correct / ep.count, imagesPerSecond, lr: this.o.lr(Math.max(0, e.step - 1)) },
      remainingImages / Math.max(imagesPerSecond, 1e-9),
    );
  }

  stopped(): void {
    this.bar.close();
  }
}
