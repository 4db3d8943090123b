// The divergence guard: looks at every step's loss and global gradient norm before its update is applied, and stops a
// run that explodes, whether it ends in NaN or stays finite (loss 1e19, weights 1e11). It also knows which steps were
// calm, so that the trainer can name a checkpoint whose weights were still healthy.

/** `train.divergence` in the spec; see the trainer README for why these defaults. */
export interface DivergenceOptions {
  /** Check at all (a non-finite loss always stops the run). */
  enabled: boolean;
  /**
   * A loss above this many times the median of the recent losses is an explosion, when it is also above
   * ln(numClasses), the loss of a uniform guess (so that a nearly fitted model's wobble around 0.01 is not).
   */
  lossFactor: number;
  /** A global gradient norm above this many times the median of the recent norms is an explosion. */
  gradNormFactor: number;
  /** An absolute limit on the global gradient norm (none by default). */
  maxGradNorm?: number;
  /** How many recent steps the medians cover. */
  window: number;
  /** Steps of history (in this process) before the relative checks start; non-finite values stop the run at once. */
  warmupSteps: number;
}

export const DEFAULT_DIVERGENCE: DivergenceOptions = { enabled: true, lossFactor: 10, gradNormFactor: 1000, window: 50, warmupSteps: 10 };

/** A step counts as calm while its loss stays within this factor of the recent median (or the uniform-guess loss). */
const CALM_FACTOR = 2;

export type StepVerdict =
  | { diverged: false; calm: boolean }
  | {
      diverged: true;
      /** What was wrong, in words with the values involved. */
      reason: string;
      /** First step of the explosion: every step from here on was above the calm band (the one checked included). */
      onset: number;
      /** Last calm step before the onset (undefined when there was none in this process). */
      lastCalmStep?: number;
    };

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

export class DivergenceGuard {
  private readonly losses: number[] = [];
  private readonly gradNorms: number[] = [];
  private lastCalm?: number;
  private firstStep?: number;

  constructor(
    readonly options: DivergenceOptions,
    /** ln(numClasses): below it a loss is never called an explosion. */
    readonly lossFloor: number,
  ) {}

  /** The latest calm step seen (undefined before the first). */
  get lastCalmStep(): number | undefined {
    return this.lastCalm;
  }

  /** Judges step `step` (1-based: the update about to be applied) from its loss and global gradient norm. */
  check(step: number, loss: number, gradNorm: number): StepVerdict {
    this.firstStep ??= step;
    const o = this.options;
    const warm = this.losses.length >= o.warmupSteps;
    const lossMedian = this.losses.length ? median(this.losses) : NaN;
    const normMedian = this.gradNorms.length ? median(this.gradNorms) : NaN;
    let reason: string | undefined;
    if (!Number.isFinite(loss)) reason = `loss is ${loss}`;
    else if (!Number.isFinite(gradNorm)) reason = `the gradient norm is ${gradNorm} (loss ${fmt(loss)})`;
    else if (o.enabled) {
      if (warm && loss > o.lossFactor * lossMedian && loss > this.lossFloor) {
        reason =
          `loss ${fmt(loss)} is ${fmt(loss / lossMedian)} times the median ${fmt(lossMedian)} of the last ${this.losses.length} steps ` +
          `(limit: train.divergence.lossFactor ${o.lossFactor}); gradient norm ${fmt(gradNorm)}`;
      } else if (o.maxGradNorm !== undefined && gradNorm > o.maxGradNorm) {
        reason = `the gradient norm ${fmt(gradNorm)} is above train.divergence.maxGradNorm ${o.maxGradNorm} (loss ${fmt(loss)})`;
      } else if (warm && gradNorm > o.gradNormFactor * normMedian) {
        reason =
          `the gradient norm ${fmt(gradNorm)} is ${fmt(gradNorm / normMedian)} times the median ${fmt(normMedian)} of the last ${this.gradNorms.length} steps ` +
          `(limit: train.divergence.gradNormFactor ${o.gradNormFactor}); loss ${fmt(loss)}`;
      }
    }
    if (reason) return { diverged: true, reason, onset: (this.lastCalm ?? this.firstStep - 1) + 1, lastCalmStep: this.lastCalm };

    const calm = !warm || loss <= Math.max(CALM_FACTOR * lossMedian, this.lossFloor);
    if (calm) this.lastCalm = step;
    this.losses.push(loss);
    this.gradNorms.push(gradNorm);
    if (this.losses.length > o.window) this.losses.shift();
    if (this.gradNorms.length > o.window) this.gradNorms.shift();
    return { diverged: false, calm };
  }
}

/** Where the trainer's checkpoints stand with respect to the guard's calm steps. */
export interface CheckpointRecord {
  file: string;
  step: number;
}

/**
 * Raised when a run diverges: no update from `step` was applied. `lastHealthyCheckpoint` is the newest checkpoint
 * whose weights still gave a calm loss on the next batch, i.e. written before the divergence began.
 */
export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly gradNorm: number,
    readonly reason: string,
    readonly onset: number,
    readonly lastHealthyCheckpoint: CheckpointRecord | undefined,
  ) {
    super(
      (Number.isFinite(loss) ? `training diverged at step ${step}: ${reason}` : `loss is ${loss} at step ${step} (gradient norm ${fmt(gradNorm)})`) +
        `. No update from step ${step} was applied` +
        (onset < step ? `; the explosion began at step ${onset} (every loss since then was more than ${CALM_FACTOR}× the recent median)` : '') +
        '. ' +
        (lastHealthyCheckpoint
          ? `The last checkpoint written before it is ${lastHealthyCheckpoint.file} (step ${lastHealthyCheckpoint.step}); resume from it with --checkpoint ${lastHealthyCheckpoint.file}`
          : 'No checkpoint was written before it began; start again') +
        ' after lowering the learning rate, adding train.clipGradNorm or checking the data.',
    );
    this.name = 'DivergenceError';
  }

  /** File of the last healthy checkpoint (undefined when none was written before the divergence). */
  get lastCheckpoint(): string | undefined {
    return this.lastHealthyCheckpoint?.file;
  }

  get lastCheckpointStep(): number | undefined {
    return this.lastHealthyCheckpoint?.step;
  }
}

/** The loss became NaN or infinite (a special case of divergence, kept as its own class for callers that test for it). */
export class NonFiniteLossError extends DivergenceError {
  constructor(step: number, loss: number, gradNorm: number, onset: number, lastHealthyCheckpoint: CheckpointRecord | undefined) {
    super(step, loss, gradNorm, `loss is ${loss}`, onset, lastHealthyCheckpoint);
    this.name = 'NonFiniteLossError';
  }
}
