import { promises as fs } from 'fs';
import * as path from 'path';
import {
  tf,
  buildModel,
  buildPretrainedModel,
  createRegistry,
  describePretrained,
  finetuneLayout,
  getRngState,
  loadInstalledFirstParty,
  loadPlugins,
  loadPretrainedFile,
  loadStateDict,
  manualSeed,
  registerWasmKernels,
  resolveModelSpec,
  splitPretrained,
  wasmKernelsRegistered,
  saveSafetensors,
  selectBackend,
  SpecError,
  setRngState,
  stateDict,
  usePlugin,
} from '@vitkit/core';
import type { ImageClassifier, Registry, VitkitPlugin } from '@vitkit/core';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, Checkpoint, fileExists, isTrainingCheckpointFile, loadCheckpoint, readWeights, saveCheckpoint } from './checkpoint';
import { trainerPlugin } from './components';
import type { OptimizerFactory, ScheduleFactory } from './components';
import { BatchSource, DataFactory, defaultDataFactory, RunData } from './data';
import { evaluateModel } from './evaluate';
import { distillationLoss, LossFn } from './loss/losses';
import type { EvalResult } from './metrics';
import { clipGradNorm } from './optim/clip';
import { DataParallel } from './parallel/data-parallel';
import { WeightEma } from './optim/ema';
import type { Optimizer, OptimParam } from './optim/optimizer';
import type { LrSchedule } from './optim/schedule';
import { formatDuration, ProgressBar } from './progress';
import { MetricRecord, renderReport } from './report';
import { LoadedSpec, loadTrainSpec } from './spec';

/** Raised when the loss stops being finite; no update from that step was applied and no checkpoint written. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly value: number,
    readonly lastCheckpoint: string | undefined,
    readonly lastCheckpointStep: number | undefined,
  ) {
    super(
      `loss is ${value} at step ${step}; training stopped before applying that update. ` +
        (lastCheckpoint ? `The last good checkpoint is ${lastCheckpoint} (step ${lastCheckpointStep}); ` : 'No checkpoint was written yet; ') +
        'lower the learning rate, add train.clipGradNorm, or check the data.',
    );
    this.name = 'NonFiniteLossError';
  }
}

export interface TrainerOptions {
  /** Registry to build from (default: core + installed first-party plugins + the spec's plugins). */
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
  /** Stop (after writing a checkpoint) once this many steps are done: simulates an interrupted run. */
  stopAfterStep?: number;
  /** Builds the loaders (default: from spec.data via @vitkit/data). */
  data?: DataFactory;
  /** Write report.html at the end (default true). */
  report?: boolean;
  /** Evaluate the test set at the end (default true). */
  finalEval?: boolean;
}

export interface TrainResult {
  /** True when the run stopped early (stopAfterStep or requestStop); resume to continue. */
  stopped: boolean;
  step: number;
  totalSteps: number;
  /** Wall time of the whole run including resumed parts, seconds. */
  elapsed: number;
  /** Final evaluation on the test set (or the validation set when there is no test set). */
  final?: EvalResult;
  finalEma?: EvalResult;
  outDir: string;
  checkpoint: string;
}

interface StepStats {
  loss: number;
  correct: number;
  count: number;
}

const NO_DECAY_NAME = /(^|\.)(pos_embed|cls_token|dist_token)(\.|_|$)|(^|\.)[^.]*_token$/;

/** Whether AdamW/SGD apply weight decay: never to norms/biases (core marks those), position embeddings or tokens. */
export function paramDecays(name: string, decay: boolean): boolean {
  return decay && !NO_DECAY_NAME.test(name);
}

/**
 * Trains a model described by a spec. Everything (model, data, optimizer, schedule, loss) is built through the
 * registry, so any registered backbone trains the same way.
 */
export class Trainer {
  readonly registry: Registry;
  model!: ImageClassifier;
  teacher?: ImageClassifier;
  data!: RunData;
  optimizer!: Optimizer;
  optimizerType!: string;
  schedule!: LrSchedule;
  loss!: LossFn;
  ema?: WeightEma;
  private dp?: DataParallel;
  params!: OptimParam[];
  outDir!: string;
  totalSteps!: number;
  stepsPerEpoch!: number;
  step = 0;
  position = { epoch: 0, batch: 0 };
  elapsedBefore = 0;
  lastCheckpointStep?: number;
  private stopRequested = false;
  /** Sums of the current metrics window (carried through checkpoints so resumed logs match). */
  private window = { loss: 0, correct: 0, count: 0, steps: 0 };
  private distill?: ReturnType<typeof distillationLoss>;
  private varToParam = new Map<string, string>();
  private readonly log: (line: string) => void;

  private constructor(
    readonly loaded: LoadedSpec,
    readonly options: TrainerOptions,
    registry: Registry,
  ) {
    this.registry = registry;
    this.log = options.log ?? ((l) => console.log(l));
  }

  get spec() {
    return this.loaded.spec;
  }

  get checkpointFile(): string {
    return path.join(this.outDir, 'checkpoint.safetensors');
  }

  get metricsFile(): string {
    return path.join(this.outDir, 'metrics.jsonl');
  }

  /** Loads the spec, selects the backend, builds everything; restores a checkpoint when `resume` is set. */
  static async create(spec: string | object | LoadedSpec, options: TrainerOptions = {}): Promise<Trainer> {
    const loaded = isLoaded(spec) ? spec : await loadTrainSpec(spec as string | object);
    const registry = options.registry ?? createRegistry();
    usePlugin(registry, trainerPlugin);
    for (const p of options.plugins ?? []) usePlugin(registry, p);
    if (!options.registry) loadInstalledFirstParty(registry);
    if (loaded.spec.plugins.length) loadPlugins(registry, loaded.spec.plugins, loaded.dir);
    const t = new Trainer(loaded, options, registry);
    await t.setup();
    return t;
  }

  private async setup(): Promise<void> {
    const spec = this.spec;
    const backend = this.options.backend ?? spec.backend;
    if (backend !== 'keep') await selectBackend(backend, { quiet: this.options.progress === null });
    ensureWasmKernels();
    this.outDir = path.resolve(this.options.outDir ?? spec.train.outDir ?? path.join('runs', this.loaded.name));

    manualSeed(spec.seed);
    // Resuming restores the weights, so `model.pretrained` is only read for a fresh run. `--checkpoint` naming plain
    // weights (not a training checkpoint) starts a fresh run from them, as `pretrained` would.
    const resumeFile = this.options.resume ? (typeof this.options.resume === 'string' ? path.resolve(this.options.resume) : this.checkpointFile) : undefined;
    if (resumeFile && !(await fileExists(resumeFile))) throw new Error(`--resume: no checkpoint at ${resumeFile}`);
    const startFromWeights = typeof this.options.resume === 'string' && !(await isTrainingCheckpointFile(resumeFile!));
    const modelSpec = resumeFile || startFromWeights ? splitPretrained(spec.model as never).spec : (spec.model as never);
    this.model = (await buildPretrainedModel(this.registry, modelSpec, { path: 'model', baseDir: this.loaded.dir, log: (l) => this.log(l) })).model;
    if (startFromWeights) {
      const type = resolveModelSpec(this.registry, modelSpec, 'model').type;
      const report = await loadPretrainedFile(this.model, resumeFile!, { layout: finetuneLayout(type) });
      for (const l of describePretrained(report)) this.log(l);
      this.log(`--checkpoint ${resumeFile} holds weights, not a training checkpoint: a new run starts from them`);
    }
    const dist = spec.train.distillation;
    if (dist && spec.train.workers > 1) {
      throw new SpecError([{ path: 'train.workers', message: `distillation runs on one replica only; set train.workers to 1 (got ${spec.train.workers})` }]);
    }
    if (dist) {
      this.teacher = buildModel(this.registry, dist.teacher as never, 'train.distillation.teacher');
      const file = path.resolve(this.loaded.dir, dist.weights);
      const { tensors } = await readWeights(file);
      loadStateDict(this.teacher, tensors, { strict: true, source: file });
      this.teacher.eval();
    }

    this.data = await (this.options.data ?? defaultDataFactory)({ registry: this.registry, spec, dir: this.loaded.dir });
    if (this.data.numClasses !== this.model.config.numClasses) {
      throw new Error(
        `model.numClasses is ${this.model.config.numClasses} but the dataset has ${this.data.numClasses} classes; set "numClasses": ${this.data.numClasses} in the model spec`,
      );
    }
    this.stepsPerEpoch = this.data.train.batchesPerEpoch;
    if (this.stepsPerEpoch < 1) throw new Error(`the training set yields no batch of ${spec.data.batchSize}; lower data.batchSize`);
    this.totalSteps = Math.max(1, Math.round(spec.train.epochs * this.stepsPerEpoch));

    this.params = this.model
      .namedParameters()
      .filter(([, p]) => p.trainable)
      .map(([name, p]) => ({ name, variable: p.variable, decay: paramDecays(name, p.decay) }));
    for (const p of this.params) this.varToParam.set(p.variable.name, p.name);
    const opt = this.registry.build<OptimizerFactory>('optimizer', spec.train.optimizer, 'train.optimizer');
    this.optimizer = opt.create(this.params);
    this.optimizerType = opt.type;
    const sched = this.registry.build<ScheduleFactory>('schedule', spec.train.schedule, 'train.schedule');
    this.schedule = sched.create({ baseLr: opt.lr, totalSteps: this.totalSteps, stepsPerEpoch: this.stepsPerEpoch });
    this.loss = this.registry.build<LossFn>('loss', spec.train.loss, 'train.loss');
    if (dist) this.distill = distillationLoss(this.loss, dist);
    if (spec.train.ema) this.ema = new WeightEma(this.model, spec.train.ema.decay);

    await fs.mkdir(this.outDir, { recursive: true });
    if (resumeFile && !startFromWeights) {
      await this.restore(await loadCheckpoint(resumeFile), resumeFile);
    } else {
      await fs.writeFile(this.metricsFile, '');
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
    this.step = ck.meta.step;
    this.position = { ...ck.meta.position };
    this.elapsedBefore = ck.meta.elapsed;
    this.lastCheckpointStep = ck.meta.step;
    if (ck.meta.window) this.window = { ...ck.meta.window };
    // Metric lines written after the checkpoint belong to the lost part of the run.
    const lines = (await fs.readFile(this.metricsFile, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l.trim() && (JSON.parse(l) as MetricRecord).step <= this.step);
    await fs.writeFile(this.metricsFile, lines.map((l) => `${l}\n`).join(''));
    this.log(`resumed from ${file} at step ${this.step}/${this.totalSteps} (epoch ${this.position.epoch + 1}, batch ${this.position.batch})`);
  }

  /** Asks the loop to stop after the current step (a checkpoint is written first). */
  requestStop(): void {
    this.stopRequested = true;
  }

  async saveCheckpoint(extra?: Record<string, unknown>): Promise<void> {
    const st = this.optimizer.getState();
    await saveCheckpoint(this.checkpointFile, {
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
        window: { loss: this.window.loss, correct: this.window.correct, count: this.window.count, steps: this.window.steps },
        extra,
      },
      model: stateDict(this.model),
      optimizer: st.tensors,
      ema: this.ema?.getState(),
    }, this.inferenceMetadata());
    this.lastCheckpointStep = this.step;
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
    await fs.appendFile(this.metricsFile, `${JSON.stringify(r)}\n`);
  }

  /** The data-parallel workers, started on first use when `train.workers` > 1 (closed by fit() and close()). */
  private async parallel(): Promise<DataParallel | undefined> {
    if (this.spec.train.workers <= 1) return undefined;
    if (!this.dp) {
      this.dp = await DataParallel.start({
        replicas: this.spec.train.workers,
        model: this.spec.model,
        loss: this.spec.train.loss,
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

  /** One optimizer step on a batch; returns the loss and the number of correct top-1 predictions. */
  async trainStep(x: tf.Tensor4D, y: tf.Tensor2D, labels: Int32Array): Promise<StepStats> {
    const lr = this.schedule.lr(this.step);
    const dp = await this.parallel();
    const r = dp ? await dp.gradients(this.step, x, y, labels, (xi, yi, li) => this.localGradients(xi, yi, li)) : await this.localGradients(x, y, labels);
    let gmap = r.grads;
    const loss = r.loss;
    if (!Number.isFinite(loss)) {
      for (const g of gmap.values()) g.dispose();
      throw new NonFiniteLossError(this.step + 1, loss, this.lastCheckpointStep !== undefined ? this.checkpointFile : undefined, this.lastCheckpointStep);
    }
    if (this.spec.train.clipGradNorm) {
      const c = clipGradNorm(gmap, this.spec.train.clipGradNorm);
      c.norm.dispose();
      gmap = c.grads;
    }
    this.optimizer.step(gmap, lr);
    for (const g of gmap.values()) g.dispose();
    this.ema?.update();
    this.step += 1;
    return { loss, correct: r.correct, count: labels.length };
  }

  /** Loss, correct count and gradients (by parameter name; caller disposes) of a batch on this thread's model. */
  private async localGradients(x: tf.Tensor4D, y: tf.Tensor2D, labels: Int32Array): Promise<{ loss: number; correct: number; grads: Map<string, tf.Tensor> }> {
    const labelsT = tf.tensor1d(labels, 'int32');
    const teacherLogits = this.teacher ? tf.tidy(() => this.teacher!.forward(x)) : undefined;
    let correctT: tf.Tensor | undefined;
    const vars = this.params.map((p) => p.variable);
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.model.forward(x);
      correctT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labelsT), 'float32')));
      return this.distill ? this.distill(logits, { y, labels }, teacherLogits!) : this.loss(logits, { y, labels });
    }, vars);
    labelsT.dispose();
    teacherLogits?.dispose();
    const gmap = new Map<string, tf.Tensor>();
    // A trainable parameter the loss does not depend on has no gradient (tfjs gives null): it is left untouched.
    for (const [vn, g] of Object.entries(grads)) if (g) gmap.set(this.varToParam.get(vn)!, g);
    const [lossArr, correctArr] = await Promise.all([value.data(), correctT!.data()]);
    value.dispose();
    correctT!.dispose();
    return { loss: lossArr[0], correct: correctArr[0], grads: gmap };
  }

  private evalBatchSize(): number {
    return this.spec.data.evalBatchSize ?? Math.max(this.spec.data.batchSize, 256);
  }

  /** Evaluates the model on `source`; with `train.workers` > 1 every batch is split across the replicas. */
  async evaluate(source: BatchSource, label: string): Promise<EvalResult> {
    const bar = this.progressBar();
    const t0 = Date.now();
    const batch = this.evalBatchSize();
    const dp = await this.parallel();
    return evaluateModel(this.model, source, this.data.numClasses, {
      forward: dp ? (x) => dp.logits(x, (xi) => this.model.forward(xi)) : undefined,
      classNames: this.data.classNames,
      onBatch: (done, total) => {
        const s = (Date.now() - t0) / 1000;
        bar?.update(label, done, total, { loss: NaN, acc: NaN, imagesPerSecond: (done * batch) / Math.max(s, 1e-9), lr: NaN }, (s / done) * (total - done));
      },
    });
  }

  private async evaluateBoth(source: BatchSource, name: string): Promise<{ live: EvalResult; ema?: EvalResult }> {
    const live = await this.evaluate(source, `eval ${name}`);
    let ema: EvalResult | undefined;
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

  private async fitLoop(): Promise<TrainResult> {
    // Wall time counts from Trainer.create (loading data and building the model included).
    const spec = this.spec;
    const bar = this.progressBar();
    const bpe = this.stepsPerEpoch;
    const epochs = Math.ceil(this.totalSteps / bpe);
    const batchSize = spec.data.batchSize;
    let stopped = false;
    let lastEval: { live: EvalResult; ema?: EvalResult } | undefined;
    let lastEvalStep = -1;

    while (this.step < this.totalSteps && !stopped) {
      const epoch = this.position.epoch;
      const epochSteps = Math.min(bpe, this.totalSteps - epoch * bpe);
      let win = { ...this.window, t: Date.now() };
      const ep = { loss: 0, correct: 0, count: 0, t: Date.now(), images: 0 };
      const iter = this.data.train.iterate({ ...this.position });
      const stepBefore = this.step;
      try {
        for await (const b of iter) {
          let st: StepStats;
          try {
            st = await this.trainStep(b.x, b.y, b.labels);
          } finally {
            b.x.dispose();
            b.y.dispose();
          }
          this.position.batch += 1;
          win.loss += st.loss * st.count;
          win.correct += st.correct;
          win.count += st.count;
          win.steps += 1;
          ep.loss += st.loss * st.count;
          ep.correct += st.correct;
          ep.count += st.count;
          ep.images += st.count;
          const secs = (Date.now() - ep.t) / 1000;
          const ips = ep.images / Math.max(secs, 1e-9);
          const remainingImages = (this.totalSteps - this.step) * batchSize;
          bar?.update(
            `epoch ${epoch + 1}/${epochs}`,
            this.position.batch,
            epochSteps,
            { loss: ep.loss / ep.count, acc: ep.correct / ep.count, imagesPerSecond: ips, lr: this.schedule.lr(Math.max(0, this.step - 1)) },
            remainingImages / Math.max(ips, 1e-9),
          );
          if (this.step % spec.train.logEvery === 0 || this.position.batch >= epochSteps) {
            const dt = (Date.now() - win.t) / 1000;
            await this.appendMetric({
              type: 'train',
              step: this.step,
              epoch: epoch + this.position.batch / bpe,
              loss: win.loss / win.count,
              acc: win.correct / win.count,
              lr: this.schedule.lr(this.step - 1),
              imagesPerSecond: win.count / Math.max(dt, 1e-9),
              elapsed: this.elapsedBefore + this.sessionSeconds(),
            });
            win = { loss: 0, correct: 0, count: 0, steps: 0, t: Date.now() };
          }
          this.window = win;
          const endOfEpoch = this.position.batch >= epochSteps;
          if (endOfEpoch && this.position.batch >= bpe) this.position = { epoch: epoch + 1, batch: 0 };
          const stopNow = this.stopRequested || (this.options.stopAfterStep !== undefined && this.step >= this.options.stopAfterStep);
          if (!endOfEpoch && (stopNow || (spec.train.checkpointEvery && this.step % spec.train.checkpointEvery === 0))) {
            await this.saveCheckpoint();
          }
          if (stopNow && !endOfEpoch) {
            stopped = true;
            bar?.close();
            break;
          }
          if (endOfEpoch) {
            if (stopNow && this.step < this.totalSteps) stopped = true;
            break;
          }
        }
      } finally {
        await iter.return?.(undefined as never);
      }
      if (this.step === stepBefore) {
        throw new Error(`the training loader yielded no batch at epoch ${this.position.epoch}, batch ${this.position.batch} (of ${bpe} per epoch)`);
      }
      if (this.position.batch === 0 || this.step >= this.totalSteps) {
        // End of an epoch (or of a fractional last epoch).
        const last = this.step >= this.totalSteps;
        if (last || (epoch + 1) % spec.train.evalEvery === 0) {
          lastEval = await this.evaluateBoth(this.data.evaluation, this.data.evaluationName);
          lastEvalStep = this.step;
          await this.appendMetric({
            type: 'eval',
            step: this.step,
            epoch: this.step / bpe,
            set: this.data.evaluationName,
            loss: lastEval.live.loss,
            top1: lastEval.live.top1,
            top5: lastEval.live.top5,
            ...(lastEval.ema ? { emaTop1: lastEval.ema.top1, emaTop5: lastEval.ema.top5 } : {}),
          });
          this.log(
            `epoch ${epoch + 1}/${epochs}: ${this.data.evaluationName} top-1 ${pct(lastEval.live.top1)} top-5 ${pct(lastEval.live.top5)} loss ${lastEval.live.loss.toFixed(4)}` +
              (lastEval.ema ? ` | EMA top-1 ${pct(lastEval.ema.top1)}` : '') +
              ` | ${formatDuration(this.elapsedBefore + this.sessionSeconds())} elapsed`,
          );
        }
        await this.saveCheckpoint(lastEval ? { lastEval: { top1: lastEval.live.top1, top5: lastEval.live.top5 } } : undefined);
      }
      if (stopped) break;
    }

    const elapsedTrain = this.elapsedBefore + this.sessionSeconds();
    const result: TrainResult = { stopped, step: this.step, totalSteps: this.totalSteps, elapsed: elapsedTrain, outDir: this.outDir, checkpoint: this.checkpointFile };
    if (stopped) {
      this.log(`stopped at step ${this.step}/${this.totalSteps}; checkpoint ${this.checkpointFile} (continue with --resume)`);
      return result;
    }

    const meta = this.inferenceMetadata();
    await saveSafetensors(this.model, path.join(this.outDir, 'model.safetensors'), meta);
    if (this.ema) await this.ema.withWeights(() => saveSafetensors(this.model, path.join(this.outDir, 'model-ema.safetensors'), meta));

    let final = lastEval;
    let finalName = this.data.evaluationName;
    if (this.options.finalEval !== false && this.data.test && (this.data.evaluationName !== 'test' || lastEvalStep !== this.step)) {
      final = await this.evaluateBoth(this.data.test, 'test');
      finalName = 'test';
    }
    result.final = final?.live;
    result.finalEma = final?.ema;
    result.elapsed = this.elapsedBefore + this.sessionSeconds();
    if (final) {
      await fs.writeFile(path.join(this.outDir, 'eval.json'), JSON.stringify({ set: finalName, ...final.live, ema: final.ema }, null, 1));
    }
    if (this.options.report !== false) await this.writeReport(final, finalName, result.elapsed);
    if (final) {
      this.log(
        `${finalName} top-1 accuracy: ${pct(final.live.top1)} (top-5 ${pct(final.live.top5)}, ${final.live.count} images)` +
          (final.ema ? `; EMA weights: top-1 ${pct(final.ema.top1)}` : ''),
      );
    }
    this.log(`wall time: ${formatDuration(result.elapsed)} (${result.elapsed.toFixed(1)} s) for ${this.totalSteps} steps; outputs in ${this.outDir}`);
    return result;
  }

  async writeReport(final: { live: EvalResult; ema?: EvalResult } | undefined, finalName: string, elapsed: number): Promise<string> {
    const records = (await fs.readFile(this.metricsFile, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as MetricRecord);
    const counts = this.model.countParameters();
    const file = path.join(this.outDir, 'report.html');
    const html = renderReport({
      title: `vitkit training report: ${this.loaded.name}`,
      records,
      final: final ? { ...final.live, name: `${finalName} set` } : undefined,
      finalEma: final?.ema ? { ...final.ema, name: `${finalName} set, EMA weights` } : undefined,
      stepsPerEpoch: this.stepsPerEpoch,
      spec: this.loaded.raw,
      summary: [
        ['spec', this.loaded.file ?? '(object)'],
        ['model', `${typeof this.spec.model === 'string' ? this.spec.model : (this.spec.model as { type?: string; preset?: string }).preset ?? (this.spec.model as { type: string }).type} — ${counts.total.toLocaleString('en-US')} parameters`],
        ['training images', String(this.data.trainSize)],
        ['steps', `${this.step} (${(this.step / this.stepsPerEpoch).toFixed(2)} epochs of ${this.stepsPerEpoch} steps, batch ${this.spec.data.batchSize})`],
        ['backend', tf.getBackend()],
        ['wall time', `${formatDuration(elapsed)} (${elapsed.toFixed(1)} s)`],
        ...(final ? ([[`${finalName} top-1`, pct(final.live.top1)], [`${finalName} top-5`, pct(final.live.top5)]] as Array<[string, string]>) : []),
      ],
    });
    await fs.writeFile(file, html);
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

/** Training on wasm needs core's kernel pack (conv filter gradients, fast transposed matMuls); register it if needed. */
export function ensureWasmKernels(): void {
  if (tf.getBackend() !== 'wasm') return;
  if (!wasmKernelsRegistered()) registerWasmKernels();
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function isLoaded(x: unknown): x is LoadedSpec {
  return typeof x === 'object' && x !== null && 'spec' in x && 'dir' in x && 'raw' in x;
}
