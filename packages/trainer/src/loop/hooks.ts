// The training loop is small: it steps through the batches and tells its hooks what happened. Each of the jobs around
// it (metric lines, progress, evaluation, checkpoints) is one hook; stop conditions are plain predicates.

/** What one optimizer step produced. */
export interface StepStats {
  /** Mean loss over the labelled targets. */
  loss: number;
  /** Correct predictions among … */
  correct: number;
  /** … the labelled targets: one per image for classification, the labelled pixels for segmentation. */
  count: number;
  /** Images in the batch. */
  images: number;
}

/** Told to every hook after each optimizer step. */
export interface StepEnd {
  /** Optimizer steps done (this one included). */
  step: number;
  /** The epoch this step belongs to (0-based) and the batches of it done so far, this one included. */
  epoch: number;
  batch: number;
  /** Batches this epoch runs (fewer than an epoch's in a fractional last epoch). */
  epochSteps: number;
  stats: StepStats;
  /** This step ends the epoch (or the fractional last one). */
  endOfEpoch: boolean;
  /** A stop condition holds: the loop ends after this step (a checkpoint is written). */
  stopping: boolean;
}

/** Told to every hook at the end of an epoch (or of a fractional last epoch). */
export interface EpochEnd {
  epoch: number;
  step: number;
  /** The run's last step is done. */
  last: boolean;
}

/** One job around the loop; hooks run in the order given, so a later one sees what an earlier one did. */
export interface LoopHook {
  beginEpoch?(epoch: number, epochSteps: number): void;
  afterStep?(e: StepEnd): Promise<void> | void;
  afterEpoch?(e: EpochEnd): Promise<void> | void;
  /** The loop ended early because a stop condition held. */
  stopped?(): void;
}

/** Stops the loop (after writing a checkpoint) when it returns true for the steps done so far. */
export type StopCondition = (step: number) => boolean;
