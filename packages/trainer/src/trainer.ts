import { promises as fs } from 'fs';
import * as path from 'path';
import { tf, getRngState, loadStateDict, saveSafetensors, setRngState, stateDict } from '@vitkit/core';
import type { ImageClassifier, Registry, VitkitPlugin } from '@vitkit/core';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, Checkpoint, loadCheckpoint, readCheckpointStep, saveCheckpoint } from './checkpoint';
import type { BatchSource, DataFactory, RunData } from './data';
import type { EvalResult } from './metrics';
import { clipGradNorm, globalNorm } from './optim/clip';
import { batchGradients } from './loop/batch-gradients';
import type { BatchGradients } from './loop/batch-gradients';
import { CheckpointRecord, DivergenceError, DivergenceGuard, NonFiniteLossError, StepVerdict } from './divergence';
import { removeStaleTempFiles } from './stale-temp-files';
import { assembleRun } from './run-assembly';
import type { RunParts } from './run-assembly';
import { runRegistry } from './run-registry';
import type { SegmentationEvaluation } from './segmentation/evaluate';
import { emaFields } from './task/task';
import type { BatchLoss, EvalPair, TaskEvaluation, TrainableModel, TrainingTask } from './task/task';
import { writingOutput } from './output-write-error';
import { CheckpointHook } from './loop/checkpoint-hook';
import { EvaluationHook } from './loop/evaluation-hook';
import type { LoopHook, StepStats, StopCondition } from './loop/hooks';
import { MetricsHook, MetricWindow } from './loop/metrics-hook';
import { ProgressHook } from './loop/progress-hook';
import { DataParallel } from './parallel/data-parallel';
import { WeightEma } from './optim/ema';
import type { Optimizer, OptimParam } from './optim/optimizer';
import type { LrSchedule } from './optim/schedule';
import { formatDuration, ProgressBar } from './progress';
import type { MetricRecord } from './report';
import { LoadedSpec, loadTrainSpec } from './spec';

export interface TrainerOptions {
  /**
   * Registry to build from. The trainer adds its own components, `plugins` and the spec's `plugins` (and the default
   * data factory @vitkit/data's datasets); nothing else loads by itself (the CLI adds its `DEFAULT_PLUGINS`).
   */
  registry?: Registry;
  /** Plugins to register in addition (e.g. the trainer's own when the caller built the registry). */
  plugins?: VitkitPlugin[];
  /** Overrides `train.outDir`. */
  outDir?: string;
  /** Continue from a checkpoint: true = `<outDir>/checkpoint.safetensors`, or a file. */
  resume?: boolean | string;
  /** Overrides the spec's backend ('auto', 'wasm', 'cpu', ...). */
  backend?: string;
  /** Draw progress on this stream (default stderr); null for none. */
  progress?: (NodeJS.WritableStream & { isTTY?: boolean }) | null;
  /** Receives the human-readable summary lines (default console.log). */
  log?: (line: string) => void;
  /** Aborting it stops the run after the current step, with a checkpoint (as `requestStop`; the CLI's Ctrl-C). */
  signal?: AbortSignal;
  /** Stop (after writing a checkpoint) once this many steps are done: simulates an interrupted run. */
  stopAfterStep?: number;
  /** Builds the loaders (default: from spec.data via @vitkit/data). */
  data?: DataFactory;
  /** Write report.html at the end (default true). */
  report?: boolean;
  /** Evaluate the test set at the end (default true). */
  finalEval?: boolean;
}

/** How a run ended; `task` tells which scores `final` holds. */
export type TrainResult = TrainResultBase &
  (
    /** `final`: the evaluation at the end on the test set (or the validation set when there is none); `finalEma`: of the EMA weights. */
    | { task: 'classification'; final?: EvalResult; finalEma?: EvalResult }
    | { task: 'segmentation'; final?: SegmentationEvaluation; finalEma?: SegmentationEvaluation }
  );

export interface TrainResultBase {
  /** True when the run stopped early (stopAfterStep or requestStop); resume to continue. */
  stopped: boolean;
  step: number;
  totalSteps: number;
  /** Wall time of the whole run including resumed parts, seconds. */
  elapsed: number;
  outDir: string;
  checkpoint: string;
}

export { DivergenceError, NonFiniteLossError } from './divergence';
export { paramDecays } from './run-assembly';
export { ensureWasmKernels } from './run-registry';

/** Files the trainer publishes with an atomic rename (their temporary files are what a killed run leaves behind). */
const ATOMIC_OUTPUTS = ['checkpoint.safetensors', 'checkpoint-healthy.safetensors', 'model.safetensors', 'model-ema.safetensors'];

/**
 * Trains a model described by a spec. Everything (model, data, optimizer, schedule, loss) is built through the
 * registry, so any registered backbone trains the same way; the spec's task (classification, segmentation) supplies
 * the model kind, loaders, loss, evaluation and report, and every task runs through this one loop.
 */
export class Trainer {
  readonly registry: Registry;
  readonly outDir: string;
  /** The training checkpoint this run resumes from (undefined for a fresh run, also one started from weights). */
  private readonly resumeFrom?: string;
  readonly task: TrainingTask;
  readonly model: TrainableModel;
  readonly teacher?: ImageClassifier;
  readonly data: RunData;
  readonly params: readonly OptimParam[];
  readonly optimizer: Optimizer;
  readonly optimizerType: string;
  readonly schedule: LrSchedule;
  readonly loss: BatchLoss;
  readonly ema?: WeightEma;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  private readonly distill?: RunParts['distill'];
  private readonly guard: DivergenceGuard;
  private readonly log: (line: string) => void;
  private dp?: DataParallel;
  /** Where the run stands; changed by training steps and restored from checkpoints only. */
  private state = { step: 0, position: { epoch: 0, batch: 0 }, elapsedBefore: 0, lastCheckpointStep: undefined as number | undefined };
  private stopRequested = false;
  /** The checkpoint file now on disk at checkpointFile; `proven` once the step after it was calm. */
  private published?: CheckpointRecord & { proven: boolean };
  /** The newest checkpoint known to hold healthy weights (kept at healthyCheckpointFile once overwritten). */
  private healthy?: CheckpointRecord;
  /** Sums of the current metrics window (carried through checkpoints so resumed logs match). */
  private readonly window: MetricWindow = { loss: 0, correct: 0, count: 0, images: 0, steps: 0 };

  private constructor(
    readonly loaded: LoadedSpec,
    readonly options: TrainerOptions,
    registry: Registry,
    parts: RunParts,
  ) {
    this.registry = registry;
    this.log = options.log ?? ((l) => console.log(l));
    ({
      outDir: this.outDir,
      resumeFrom: this.resumeFrom,
      task: this.task,
      model: this.model,
      teacher: this.teacher,
      data: this.data,
      params: this.params,
      optimizer: this.optimizer,
      optimizerType: this.optimizerType,
      schedule: this.schedule,
      loss: this.loss,
      distill: this.distill,
      ema: this.ema,
      totalSteps: this.totalSteps,
      stepsPerEpoch: this.stepsPerEpoch,
    } = parts);
    this.guard = new DivergenceGuard(loaded.spec.train.divergence, Math.log(this.data.numClasses));
  }

  /** Optimizer steps done (those of resumed parts included). */
  get step(): number {
    return this.state.step;
  }

  /** Where the training loader stands: the epoch and the batches of it consumed. */
  get position(): { epoch: number; batch: number } {
    return { ...this.state.position };
  }

  /** Wall time of the run's earlier (resumed) parts, seconds. */
  get elapsedBefore(): number {
    return this.state.elapsedBefore;
  }

  /** Step of the last checkpoint written or resumed from (undefined before the first). */
  get lastCheckpointStep(): number | undefined {
    return this.state.lastCheckpointStep;
  }

  get spec() {
    return this.loaded.spec;
  }

  get checkpointFile(): string {
    return path.join(this.outDir, 'checkpoint.safetensors');
  }

  /** Where the last proven-healthy checkpoint is kept (a hard link) when checkpointFile is overwritten. */
  get healthyCheckpointFile(): string {
    return path.join(this.outDir, 'checkpoint-healthy.safetensors');
  }

  get metricsFile(): string {
    return path.join(this.outDir, 'metrics.jsonl');
  }

  /** Loads the spec, selects the backend, builds everything; restores a checkpoint when `resume` is set. */
  static async create(spec: string | object | LoadedSpec, options: TrainerOptions = {}): Promise<Trainer> {
    const loaded = isLoaded(spec) ? spec : await loadTrainSpec(spec as string | object);
    const registry = runRegistry({ registry: options.registry, plugins: options.plugins, specPlugins: loaded.spec.plugins, dir: loaded.dir });
    const parts = await assembleRun(loaded, registry, {
      backend: options.backend,
      outDir: options.outDir,
      data: options.data,
      quiet: options.progress === null,
      resume: options.resume,
      log: options.log ?? ((l) => console.log(l)),
    });
    const t = new Trainer(loaded, options, registry, parts);
    try {
      await t.open();
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  /** Prepares the output folder; restores the checkpoint when `resume` is set. */
  private async open(): Promise<void> {
    await fs.mkdir(this.outDir, { recursive: true });
    for (const r of await removeStaleTempFiles(this.outDir, ATOMIC_OUTPUTS)) {
      this.log(`removed ${r.file}, a temporary file left by process ${r.pid} (killed while writing)`);
    }
    if (this.resumeFrom) {
      const file = this.resumeFrom;
      await this.restore(await loadCheckpoint(file), file);
      // The healthy checkpoint an earlier part of this run kept still counts, if it is not from after the resume point.
      const keptStep = await readCheckpointStep(this.healthyCheckpointFile);
      if (keptStep !== undefined && keptStep <= this.step) this.healthy = { file: this.healthyCheckpointFile, step: keptStep };
    } else {
      await writingOutput('the metrics file', this.metricsFile, this.step, () => fs.writeFile(this.metricsFile, ''));
      // A fresh run owns the folder: an earlier run's healthy checkpoint would be named for this one's divergence.
      await fs.rm(this.healthyCheckpointFile, { force: true });
    }
    this.model.train();
  }

  private async restore(ck: Checkpoint, file: string): Promise<void> {
    if (JSON.stringify(ck.meta.spec) !== JSON.stringify(this.loaded.raw)) {
      this.log(`warning: the spec differs from the one stored in ${file}; resuming with the current spec`);
    }
    loadStateDict(this.model, ck.model, { strict: true, source: file });
    if (ck.meta.optimizer.type !== this.optimizerType) {
      throw new Error(`${file} holds ${ck.meta.optimizer.type} optimizer state but the spec asks for ${this.optimizerType}`);
    }
    this.optimizer.setState({ tensors: ck.optimizer, scalars: ck.meta.optimizer.scalars });
    if (this.ema) {
      if (!ck.ema) throw new Error(`${file} has no EMA weights but the spec enables train.ema`);
      this.ema.setState(ck.ema);
    }
    setRngState(ck.meta.rng);
    this.state = { step: ck.meta.step, position: { ...ck.meta.position }, elapsedBefore: ck.meta.elapsed, lastCheckpointStep: ck.meta.step };
    this.published = { file, step: ck.meta.step, proven: false };
    if (ck.meta.window) Object.assign(this.window, { images: ck.meta.window.count }, ck.meta.window);
    // Metric lines written after the checkpoint belong to the lost part of the run.
    const lines = (await fs.readFile(this.metricsFile, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l.trim() && (JSON.parse(l) as MetricRecord).step <= this.step);
    await writingOutput('the metrics file', this.metricsFile, this.step, () => fs.writeFile(this.metricsFile, lines.map((l) => `${l}\n`).join('')));
    this.log(`resumed from ${file} at step ${this.step}/${this.totalSteps} (epoch ${this.position.epoch + 1}, batch ${this.position.batch})`);
  }

  /** Asks the loop to stop after the current step (a checkpoint is written first). */
  requestStop(): void {
    this.stopRequested = true;
  }

  async saveCheckpoint(extra?: Record<string, unknown>): Promise<void> {
    await this.keepHealthyCheckpoint();
    const st = this.optimizer.getState();
    const file = this.checkpointFile;
    const previous = this.lastCheckpointStep;
    await writingOutput('the checkpoint', file, this.step, () => saveCheckpoint(file, {
      meta: {
        format: CHECKPOINT_FORMAT,
        version: CHECKPOINT_VERSION,
        step: this.step,
        position: { ...this.position },
        rng: getRngState(),
        seed: this.spec.seed,
        spec: this.loaded.raw,
        optimizer: { type: this.optimizerType, scalars: st.scalars },
        elapsed: this.elapsedBefore + this.sessionSeconds(),
        window: { loss: this.window.loss, correct: this.window.correct, count: this.window.count, images: this.window.images, steps: this.window.steps },
        extra,
      },
      model: stateDict(this.model),
      optimizer: st.tensors,
      ema: this.ema?.getState(),
    }, this.inferenceMetadata()), () => (previous !== undefined ? `The previous checkpoint (step ${previous}) is intact.` : undefined));
    this.state.lastCheckpointStep = this.step;
    this.published = { file: this.checkpointFile, step: this.step, proven: false };
  }

  /**
   * Before checkpointFile is overwritten: if the checkpoint on it is proven healthy, keep it (a hard link, so no copy)
   * as healthyCheckpointFile. The new checkpoint's health is only known after the next step, so until then the
   * previous healthy one must survive for a divergence message to name it.
   */
  private async keepHealthyCheckpoint(): Promise<void> {
    const p = this.published;
    if (!p?.proven) return;
    if (p.file !== this.checkpointFile) {
      this.healthy = { file: p.file, step: p.step };
      return;
    }
    const tmp = path.join(this.outDir, `.${path.basename(this.healthyCheckpointFile)}.${process.pid}.${Date.now()}.tmp`);
    await writingOutput('the last healthy checkpoint', this.healthyCheckpointFile, this.step, async () => {
      try {
        await fs.link(p.file, tmp).catch(() => fs.copyFile(p.file, tmp));
        await fs.rename(tmp, this.healthyCheckpointFile);
      } catch (e) {
        await fs.rm(tmp, { force: true });
        throw e;
      }
    });
    this.healthy = { file: this.healthyCheckpointFile, step: p.step };
  }

  /** The newest checkpoint whose weights gave a calm loss on the following batch. */
  lastHealthyCheckpoint(): CheckpointRecord | undefined {
    const p = this.published;
    return p?.proven ? { file: p.file, step: p.step } : this.healthy;
  }

  private readonly sessionStart = Date.now();

  /** What `vitkit predict` needs besides the weights: class names, normalisation, the dataset's image shape. */
  inferenceMetadata(): Record<string, string> {
    return {
      'vitkit.classNames': JSON.stringify(this.data.classNames),
      'vitkit.normalize': JSON.stringify(this.data.normalize),
      'vitkit.imageShape': JSON.stringify(this.data.shape),
    };
  }

  private sessionSeconds(): number {
    return (Date.now() - this.sessionStart) / 1000;
  }

  private async appendMetric(r: MetricRecord): Promise<void> {
    await writingOutput('a metrics line to', this.metricsFile, this.step, () => fs.appendFile(this.metricsFile, `${JSON.stringify(r)}\n`));
  }

  /** The data-parallel workers, started on first use when `train.workers` > 1 (closed by fit() and close()). */
  private async parallel(): Promise<DataParallel | undefined> {
    if (this.spec.train.workers <= 1) return undefined;
    if (!this.dp) {
      this.dp = await DataParallel.start({
        replicas: this.spec.train.workers,
        model: this.spec.model,
        loss: this.spec.train.loss,
        packages: this.registry.loadedPlugins(),
        plugins: this.spec.plugins,
        dir: this.loaded.dir,
        backend: tf.getBackend(),
        seed: this.spec.seed,
        params: this.params,
        buffers: this.model.namedBuffers().map(([name, variable]) => ({ name, variable })),
        image: [this.model.config.inputSize[0], this.model.config.inputSize[1], this.model.config.inChans],
        numClasses: this.model.config.numClasses,
        maxRows: Math.max(this.spec.data.batchSize, this.evalBatchSize()),
      });
    }
    return this.dp;
  }

  /** Stops the data-parallel workers, if any (fit() does it when it returns or throws). */
  async close(): Promise<void> {
    const dp = this.dp;
    this.dp = undefined;
    await dp?.close();
  }

  /**
   * One optimizer step on a batch (`y`: classification's soft targets; a segmentation batch has none, its `labels`
   * are per pixel); returns the loss, the correct predictions and the labelled targets they are counted over.
   */
  async trainStep(x: tf.Tensor4D, y: tf.Tensor2D | undefined, labels: Int32Array): Promise<StepStats> {
    const lr = this.schedule.lr(this.step);
    const dp = await this.parallel();
    const r = dp ? await dp.gradients(this.step, x, softTargets(y), labels, (xi, yi, li) => this.localGradients(xi, yi, li)) : await this.localGradients(x, y, labels);
    let gmap = r.grads;
    const loss = r.loss;
    let normT: tf.Scalar | undefined;
    if (this.spec.train.clipGradNorm) {
      const c = clipGradNorm(gmap, this.spec.train.clipGradNorm);
      normT = c.norm;
      gmap = c.grads;
    } else if (gmap.size) {
      normT = globalNorm([...gmap.values()]);
    }
    const gradNorm = normT ? (await normT.data())[0] : 0;
    normT?.dispose();
    const verdict = this.guard.check(this.step + 1, loss, gradNorm);
    if (verdict.diverged) {
      for (const g of gmap.values()) g.dispose();
      throw this.divergence(this.step + 1, loss, gradNorm, verdict);
    }
    if (verdict.calm && this.published && this.published.step === this.step) this.published.proven = true;
    this.optimizer.step(gmap, lr);
    for (const g of gmap.values()) g.dispose();
    this.ema?.update();
    this.state.step += 1;
    return { loss, correct: r.correct, count: this.task.targets(labels), images: x.shape[0] };
  }

  private divergence(step: number, loss: number, gradNorm: number, v: StepVerdict & { diverged: true }): DivergenceError {
    const ck = this.lastHealthyCheckpoint();
    return Number.isFinite(loss) ? new DivergenceError(step, loss, gradNorm, v.reason, v.onset, ck) : new NonFiniteLossError(step, loss, gradNorm, v.onset, ck);
  }

  /** Loss, correct count and gradients (by parameter name; caller disposes) of a batch on this thread's model. */
  private async localGradients(x: tf.Tensor4D, y: tf.Tensor2D | undefined, labels: Int32Array): Promise<BatchGradients> {
    const labelsT = tf.tensor1d(labels, 'int32');
    const teacherLogits = this.teacher ? tf.tidy(() => this.teacher!.forward(x)) : undefined;
    try {
      return await batchGradients(this.params, () => {
        const logits = this.model.forward(x);
        return {
          correct: this.task.correct(logits, labelsT),
          loss: this.distill ? this.distill(logits as tf.Tensor2D, { y: softTargets(y), labels }, teacherLogits!) : this.loss(logits, { x, y, labels }),
        };
      });
    } finally {
      labelsT.dispose();
      teacherLogits?.dispose();
    }
  }

  private evalBatchSize(): number {
    return this.spec.data.evalBatchSize ?? Math.max(this.spec.data.batchSize, 256);
  }

  /** Evaluates the model on `source`; with `train.workers` > 1 every batch is split across the replicas. */
  async evaluate(source: BatchSource, label: string): Promise<TaskEvaluation> {
    const bar = this.progressBar();
    const t0 = Date.now();
    const batch = this.evalBatchSize();
    const dp = await this.parallel();
    return this.task.evaluate(this.model, source, {
      numClasses: this.data.numClasses,
      forward: dp ? (x) => dp.logits(x, (xi) => this.model.forward(xi) as tf.Tensor2D) : undefined,
      classNames: this.data.classNames,
      onBatch: (done, total) => {
        const s = (Date.now() - t0) / 1000;
        bar?.update(label, done, total, { loss: NaN, acc: NaN, imagesPerSecond: (done * batch) / Math.max(s, 1e-9), lr: NaN }, (s / done) * (total - done));
      },
    });
  }

  private async evaluateBoth(source: BatchSource, name: string): Promise<EvalPair> {
    const live = await this.evaluate(source, `eval ${name}`);
    let ema: TaskEvaluation | undefined;
    if (this.ema && this.spec.train.ema?.evaluate) ema = await this.ema.withWeights(() => this.evaluate(source, `eval ${name} (EMA)`));
    return { live, ema };
  }

  private progressBar(): ProgressBar | undefined {
    const stream = this.options.progress === undefined ? process.stderr : this.options.progress;
    return stream ? new ProgressBar(stream) : undefined;
  }

  /** Runs (or continues) training to the end, evaluating each `evalEvery` epochs and checkpointing. */
  async fit(): Promise<TrainResult> {
    try {
      return await this.fitLoop();
    } finally {
      await this.close();
    }
  }

  /** The hooks around the loop, in the order they run after each step and epoch. */
  private loopHooks(evaluation: EvaluationHook): LoopHook[] {
    const spec = this.spec;
    const epochs = Math.ceil(this.totalSteps / this.stepsPerEpoch);
    const lr = (i: number) => this.schedule.lr(i);
    const bar = this.progressBar();
    const write = (r: MetricRecord) => this.appendMetric(r);
    return [
      ...(bar ? [new ProgressHook(bar, { epochs, totalSteps: this.totalSteps, batchSize: spec.data.batchSize, lr })] : []),
      new MetricsHook({ logEvery: spec.train.logEvery, stepsPerEpoch: this.stepsPerEpoch, window: this.window, lr, elapsed: () => this.elapsed(), write }),
      evaluation,
      new CheckpointHook({
        every: spec.train.checkpointEvery,
        save: (extra) => this.saveCheckpoint(extra),
        extra: () => {
          const last = evaluation.last?.result.live;
          return last ? { lastEval: this.task.scores(last) } : undefined;
        },
      }),
    ];
  }

  private evaluationHook(): EvaluationHook {
    const epochs = Math.ceil(this.totalSteps / this.stepsPerEpoch);
    const name = this.data.evaluationName;
    return new EvaluationHook({
      evalEvery: this.spec.train.evalEvery,
      epochs,
      stepsPerEpoch: this.stepsPerEpoch,
      setName: name,
      evaluate: () => this.evaluateBoth(this.data.evaluation, name),
      fields: (r) => ({ ...this.task.scores(r.live), ...(r.ema ? emaFields(this.task.scores(r.ema)) : {}) }),
      write: (r) => this.appendMetric(r),
      log: (e, r) =>
        this.log(
          `epoch ${e.epoch + 1}/${epochs}: ${name} ${this.task.describe(r.live)}` +
            (r.ema ? ` | ${this.task.describeEma(r.ema)}` : '') +
            ` | ${formatDuration(this.elapsed())} elapsed`,
        ),
    });
  }

  private stopConditions(): StopCondition[] {
    const after = this.options.stopAfterStep;
    const signal = this.options.signal;
    return [() => this.stopRequested || !!signal?.aborted, ...(after !== undefined ? [(step: number) => step >= after] : [])];
  }

  private elapsed(): number {
    return this.elapsedBefore + this.sessionSeconds();
  }

  /** Steps through the batches, telling the hooks after each step and epoch, until the end or a stop condition. */
  private async fitLoop(): Promise<TrainResult> {
    const bpe = this.stepsPerEpoch;
    const evaluation = this.evaluationHook();
    const hooks = this.loopHooks(evaluation);
    const stops = this.stopConditions();
    let stopped = false;

    while (this.step < this.totalSteps && !stopped) {
      const epoch = this.position.epoch;
      const epochSteps = Math.min(bpe, this.totalSteps - epoch * bpe);
      for (const h of hooks) h.beginEpoch?.(epoch, epochSteps);
      const iter = this.data.train.iterate({ ...this.position });
      const stepBefore = this.step;
      try {
        for await (const b of iter) {
          let stats: StepStats;
          try {
            stats = await this.trainStep(b.x, b.y, b.labels);
          } finally {
            b.x.dispose();
            b.y?.dispose();
          }
          const batch = this.position.batch + 1;
          const endOfEpoch = batch >= epochSteps;
          this.state.position = endOfEpoch && batch >= bpe ? { epoch: epoch + 1, batch: 0 } : { epoch, batch };
          const stopping = stops.some((stop) => stop(this.step));
          for (const h of hooks) await h.afterStep?.({ step: this.step, epoch, batch, epochSteps, stats, endOfEpoch, stopping });
          if (stopping && (!endOfEpoch || this.step < this.totalSteps)) stopped = true;
          if (stopped || endOfEpoch) break;
        }
      } finally {
        await iter.return?.(undefined as never);
      }
      if (this.step === stepBefore) {
        throw new Error(`the training loader yielded no batch at epoch ${this.position.epoch}, batch ${this.position.batch} (of ${bpe} per epoch)`);
      }
      if (this.position.batch === 0 || this.step >= this.totalSteps) {
        // End of an epoch (or of a fractional last epoch).
        for (const h of hooks) await h.afterEpoch?.({ epoch, step: this.step, last: this.step >= this.totalSteps });
      }
    }
    if (stopped) for (const h of hooks) h.stopped?.();

    const result: TrainResultBase = { stopped, step: this.step, totalSteps: this.totalSteps, elapsed: this.elapsed(), outDir: this.outDir, checkpoint: this.checkpointFile };
    if (stopped) {
      this.log(`stopped at step ${this.step}/${this.totalSteps}; checkpoint ${this.checkpointFile} (continue with --resume)`);
      return this.withScores(result);
    }
    return this.finish(result, evaluation.last);
  }

  /** The end of a finished run: final weights, the test-set evaluation, eval.json, the report and the summary. */
  private async finish(result: TrainResultBase, lastEval: { result: EvalPair; step: number } | undefined): Promise<TrainResult> {
    const meta = this.inferenceMetadata();
    const intact = () => `The checkpoint ${this.checkpointFile} (step ${this.lastCheckpointStep}) holds the same weights.`;
    const modelFile = path.join(this.outDir, 'model.safetensors');
    await writingOutput('the final weights', modelFile, this.step, () => saveSafetensors(this.model, modelFile, meta), intact);
    const emaFile = path.join(this.outDir, 'model-ema.safetensors');
    if (this.ema) await writingOutput('the final EMA weights', emaFile, this.step, () => this.ema!.withWeights(() => saveSafetensors(this.model, emaFile, meta)), intact);

    let final = lastEval?.result;
    let finalName = this.data.evaluationName;
    if (this.options.finalEval !== false && this.data.test && (this.data.evaluationName !== 'test' || lastEval?.step !== this.step)) {
      final = await this.evaluateBoth(this.data.test, 'test');
      finalName = 'test';
    }
    result.elapsed = this.elapsed();
    if (final) {
      const evalFile = path.join(this.outDir, 'eval.json');
      await writingOutput('the final evaluation', evalFile, this.step, () => fs.writeFile(evalFile, JSON.stringify({ set: finalName, ...final.live, ema: final.ema }, null, 1)));
    }
    if (this.options.report !== false) await this.writeReport(final, finalName, result.elapsed);
    if (final) this.log(this.task.finalLine(finalName, final));
    this.log(`wall time: ${formatDuration(result.elapsed)} (${result.elapsed.toFixed(1)} s) for ${this.totalSteps} steps; outputs in ${this.outDir}`);
    return this.withScores(result, final);
  }

  /** The run's result with the task's name and final scores (the task's evaluation type, which `task` names). */
  private withScores(result: TrainResultBase, final?: EvalPair): TrainResult {
    return { ...result, task: this.spec.task, final: final?.live, finalEma: final?.ema } as TrainResult;
  }

  /** Writes report.html: the task's report (curves and final scores; segmentation adds predicted masks). */
  async writeReport(final: EvalPair | undefined, finalName: string, elapsed: number): Promise<string> {
    const records = (await fs.readFile(this.metricsFile, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as MetricRecord);
    const counts = this.model.countParameters();
    const file = path.join(this.outDir, 'report.html');
    const summary: Array<[string, string]> = [
      ['spec', this.loaded.file ?? '(object)'],
      ['model', `${typeof this.spec.model === 'string' ? this.spec.model : (this.spec.model as { type?: string; preset?: string }).preset ?? (this.spec.model as { type: string }).type} — ${counts.total.toLocaleString('en-US')} parameters`],
      ['training images', String(this.data.trainSize)],
      ['steps', `${this.step} (${(this.step / this.stepsPerEpoch).toFixed(2)} epochs of ${this.stepsPerEpoch} steps, batch ${this.spec.data.batchSize})`],
      ['backend', tf.getBackend()],
      ['wall time', `${formatDuration(elapsed)} (${elapsed.toFixed(1)} s)`],
      ...(final ? this.task.summaryRows(finalName, final.live) : []),
    ];
    await writingOutput('the report', file, this.step, () =>
      this.task.writeReport({
        file,
        title: `vitkit training report: ${this.loaded.name}`,
        model: this.model,
        data: this.data,
        records,
        final,
        finalName,
        summary,
        spec: this.loaded.raw,
        parsed: this.spec,
        stepsPerEpoch: this.stepsPerEpoch,
      }),
    );
    return file;
  }

  /** Frees the tensors; call close() first when train.workers > 1 and fit() was not used. */
  dispose(): void {
    void this.close();
    this.optimizer?.dispose();
    this.ema?.dispose();
    this.model?.dispose();
    this.teacher?.dispose();
  }
}

/** Classification's soft targets of a batch (a data-parallel step and distillation need them). */
function softTargets(y: tf.Tensor2D | undefined): tf.Tensor2D {
  if (!y) throw new Error('this step needs the batch soft targets (y), which only classification loaders deliver');
  return y;
}

function isLoaded(x: unknown): x is LoadedSpec {
  return typeof x === 'object' && x !== null && 'spec' in x && 'dir' in x && 'raw' in x;
}
