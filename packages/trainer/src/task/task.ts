// What makes a training run a classification or a segmentation run. The trainer's loop, optimizer, schedule, EMA,
// clipping, checkpoints, divergence guard and metric lines are the same for every task; a task supplies the pieces
// that differ: the model kind, the loaders, the loss bound to its batch layout, what counts as a correct prediction,
// the evaluation and its metric fields, and the report.
import type { Registry, tf } from '@vitkit/core';
import type { TaskBatch, TrainableModel } from './trainable';

export type { TaskBatch, TrainableModel } from './trainable';
import type { BatchSource, DataFactory, RunData } from '../data';
import type { MetricRecord } from '../report';
import type { TrainSpec } from '../spec';

/** The spec's loss, bound to the task's batch layout; called inside the gradient tape. */
export type BatchLoss = (logits: tf.Tensor, batch: TaskBatch) => tf.Scalar;

/** What every task's evaluation reports besides its own scores. */
export interface TaskEvaluation {
  /** Mean loss per target (image or labelled pixel). */
  loss: number;
}

/** An evaluation of the live weights and, with train.ema, of the EMA weights. */
export interface EvalPair<E extends TaskEvaluation = TaskEvaluation> {
  live: E;
  ema?: E;
}

export interface TaskEvaluateOptions {
  numClasses: number;
  classNames: readonly string[];
  onBatch?: (done: number, total: number) => void;
  /** Eval-mode logits of a batch instead of model.forward (the data-parallel evaluation). */
  forward?: (x: tf.Tensor4D) => Promise<tf.Tensor>;
}

/** What a task's report is written from. */
export interface TaskReportInput<E extends TaskEvaluation> {
  file: string;
  title: string;
  model: TrainableModel;
  data: RunData;
  records: MetricRecord[];
  final?: EvalPair<E>;
  /** The evaluated set of `final` ('test', 'validation'). */
  finalName: string;
  /** Rows of the summary table (spec, model, steps, backend, wall time, …). */
  summary: Array<[string, string]>;
  /** The spec as written (shown in the report) and as validated. */
  spec: unknown;
  parsed: TrainSpec;
  stepsPerEpoch: number;
}

export interface TrainingTask<E extends TaskEvaluation = TaskEvaluation> {
  readonly name: TrainSpec['task'];
  /**
   * Builds the spec's model through the registry. `resume` (a training checkpoint will restore the weights) skips
   * `model.pretrained`; `weights` (a file of plain weights) starts the run from them instead.
   */
  buildModel(registry: Registry, spec: TrainSpec, o: { baseDir: string; resume: boolean; weights?: string; log: (line: string) => void }): Promise<TrainableModel>;
  /** Builds the loaders from `spec.data` (a run may pass its own DataFactory instead). */
  readonly data: DataFactory;
  /** Builds `spec.train.loss` through the registry, bound to this task's batches. */
  buildLoss(registry: Registry, spec: TrainSpec): BatchLoss;
  /** Correct predictions among the labelled targets (a scalar; called inside the gradient tape). */
  correct(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar;
  /** How many labelled targets `labels` holds: what the loss and accuracy of a metric line are averaged over. */
  targets(labels: Int32Array): number;
  evaluate(model: TrainableModel, source: BatchSource, o: TaskEvaluateOptions): Promise<E>;
  /** The headline scores of an evaluation: the eval line's fields (EMA ones get an `ema` prefix) and checkpoints' `lastEval`. */
  scores(e: E): Record<string, unknown>;
  /** The scores in words, for the per-epoch line ("top-1 91.20% top-5 99.10% loss 0.3120"). */
  describe(e: E): string;
  /** The EMA weights' score in words ("EMA top-1 91.50%"). */
  describeEma(e: E): string;
  /** The run's closing line about the final evaluation. */
  finalLine(setName: string, result: EvalPair<E>): string;
  /** Summary-table rows of the final evaluation. */
  summaryRows(setName: string, e: E): Array<[string, string]>;
  writeReport(input: TaskReportInput<E>): Promise<void>;
}

/** `ema` + the score's name with a capital: `top1` → `emaTop1`, `mIoU` → `emaMIoU`. */
export function emaFields(scores: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(scores).map(([k, v]) => [`ema${k[0].toUpperCase()}${k.slice(1)}`, v]));
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
