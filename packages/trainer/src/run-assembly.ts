import * as path from 'path';
import { buildModel, loadStateDict, manualSeed, SpecError } from '@vitkit/core';
import type { ComponentSpec, ImageClassifier, ModelSpec, Registry } from '@vitkit/core';
import { fileExists, isTrainingCheckpointFile, readWeights } from './checkpoint';
import type { OptimizerFactory, ScheduleFactory } from './components';
import type { DataFactory, RunData } from './data';
import { distillationLoss } from './loss/losses';
import type { LossFn } from './loss/losses';
import { WeightEma } from './optim/ema';
import type { Optimizer, OptimParam } from './optim/optimizer';
import type { LrSchedule } from './optim/schedule';
import { trainableParams } from './optim/trainable-params';
import { ensureWasmKernels, prepareBackend } from './run-registry';
import type { LoadedSpec } from './spec';
import { taskOf } from './task/tasks';
import type { BatchLoss, TrainableModel, TrainingTask } from './task/task';

/** Everything a training run is made of, built once from the spec (nothing here changes during the run). */
export interface RunParts {
  readonly outDir: string;
  /** The training checkpoint to restore (a resumed run); undefined for a fresh run, also one started from weights. */
  readonly resumeFrom?: string;
  /** What the run trains: a classifier, a segmenter (`spec.task`); the task's pieces plug into the shared loop. */
  readonly task: TrainingTask;
  readonly model: TrainableModel;
  /** The distillation teacher (eval mode, weights loaded), when train.distillation is set. */
  readonly teacher?: ImageClassifier;
  readonly data: RunData;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** The model's trainable parameters as the optimizer sees them. */
  readonly params: readonly OptimParam[];
  readonly optimizer: Optimizer;
  readonly optimizerType: string;
  readonly schedule: LrSchedule;
  /** The spec's loss bound to the task's batches; `distill` (classification) wraps it when a teacher is set. */
  readonly loss: BatchLoss;
  readonly distill?: ReturnType<typeof distillationLoss>;
  readonly ema?: WeightEma;
}

export interface AssemblyOptions {
  /** Overrides the spec's backend ('keep': use the one selected). */
  backend?: string;
  outDir?: string;
  data?: DataFactory;
  quiet?: boolean;
  /** true: resume from `<outDir>/checkpoint.safetensors`; a path: a training checkpoint, or plain weights to start from. */
  resume?: boolean | string;
  log?: (line: string) => void;
}

export { paramDecays } from './optim/trainable-params';

/**
 * Selects the backend and builds the run's parts through the registry, so any registered backbone, optimizer,
 * schedule and loss trains the same way. What was built is disposed again when a later part fails.
 */
export async function assembleRun(loaded: LoadedSpec, registry: Registry, options: AssemblyOptions = {}): Promise<RunParts> {
  const spec = loaded.spec;
  const task = taskOf(spec);
  if ((options.backend ?? spec.backend) === 'keep') ensureWasmKernels();
  else await prepareBackend({ flag: options.backend, spec: spec.backend, specPath: loaded.file ? `${loaded.file}: backend` : 'backend', quiet: options.quiet });
  const outDir = path.resolve(options.outDir ?? spec.train.outDir ?? path.join('runs', loaded.name));
  const dist = spec.task === 'classification' ? spec.train.distillation : undefined;
  if (dist && spec.train.workers > 1) {
    throw new SpecError([{ path: 'train.workers', message: `distillation runs on one replica only; set train.workers to 1 (got ${spec.train.workers})` }]);
  }
  // `--checkpoint` naming plain weights (not a training checkpoint) starts a fresh run from them.
  const resumeFile = options.resume ? (typeof options.resume === 'string' ? path.resolve(options.resume) : path.join(outDir, 'checkpoint.safetensors')) : undefined;
  if (resumeFile && !(await fileExists(resumeFile))) throw new Error(`--resume: no checkpoint at ${resumeFile}`);
  const startFromWeights = typeof options.resume === 'string' && !(await isTrainingCheckpointFile(resumeFile!));
  const log = options.log ?? (() => {});
  const built: Array<{ dispose(): void }> = [];
  try {
    manualSeed(spec.seed);
    const model = await task.buildModel(registry, spec, { baseDir: loaded.dir, resume: !!resumeFile && !startFromWeights, weights: startFromWeights ? resumeFile : undefined, log });
    built.push(model);
    if (startFromWeights) log(`--checkpoint ${resumeFile} holds weights, not a training checkpoint: a new run starts from them`);
    let teacher: ImageClassifier | undefined;
    if (dist) {
      teacher = buildModel(registry, dist.teacher, 'train.distillation.teacher');
      built.push(teacher);
      const file = path.resolve(loaded.dir, dist.weights);
      const { tensors } = await readWeights(file);
      loadStateDict(teacher, tensors, { strict: true, source: file });
      teacher.eval();
    }
    const data = await (options.data ?? task.data)({ registry, spec, dir: loaded.dir });
    if (data.numClasses !== model.config.numClasses) {
      throw new Error(`model.numClasses is ${model.config.numClasses} but the dataset has ${data.numClasses} classes; set "numClasses": ${data.numClasses} in the model spec`);
    }
    const stepsPerEpoch = data.train.batchesPerEpoch;
    if (stepsPerEpoch < 1) throw new Error(`the training set yields no batch of ${spec.data.batchSize}; lower data.batchSize`);
    const totalSteps = Math.max(1, Math.round(spec.train.epochs * stepsPerEpoch));
    const params = trainableParams(model);
    const opt = registry.build<OptimizerFactory>('optimizer', spec.train.optimizer, 'train.optimizer');
    const optimizer = opt.create(params);
    built.push(optimizer);
    const schedule = registry.build<ScheduleFactory>('schedule', spec.train.schedule, 'train.schedule').create({ baseLr: opt.lr, totalSteps, stepsPerEpoch });
    const loss = task.buildLoss(registry, spec);
    const ema = spec.train.ema ? new WeightEma(model, spec.train.ema.decay) : undefined;
    return {
      outDir,
      resumeFrom: resumeFile && !startFromWeights ? resumeFile : undefined,
      task,
      model,
      teacher,
      data,
      stepsPerEpoch,
      totalSteps,
      params,
      optimizer,
      optimizerType: opt.type,
      schedule,
      loss,
      // Distillation mixes the teacher's logits into the classification loss itself, so it wraps the registry's loss
      // function (the task's `loss` is that function bound to the batch).
      distill: dist ? distillationLoss(registry.build<LossFn>('loss', spec.train.loss, 'train.loss'), dist) : undefined,
      ema,
    };
  } catch (e) {
    for (const b of built) b.dispose();
    throw e;
  }
}

/**
 * A classifier built from `spec` after seeding the random generator with `seed`: the same parameters in every
 * process that asks with the same registry (the data-parallel replicas, the benchmark's model).
 */
export function buildSeededModel(registry: Registry, spec: ModelSpec, seed: number): ImageClassifier {
  manualSeed(seed);
  return buildModel(registry, spec, 'model');
}

/** What a data-parallel worker computes with: its replica of the model and the spec's classification loss. */
export function assembleReplica(registry: Registry, o: { model: ModelSpec; loss: ComponentSpec; seed: number }): { model: ImageClassifier; loss: LossFn } {
  const model = buildSeededModel(registry, o.model, o.seed);
  try {
    return { model, loss: registry.build<LossFn>('loss', o.loss, 'train.loss') };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
