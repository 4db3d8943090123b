import { promises as fs } from 'fs';
import * as path from 'path';
import { modelSpecSchema, s, validate, SpecError } from '@vitkit/core';
import type { SchemaType } from '@vitkit/core';
import { DEFAULT_DIVERGENCE } from './divergence';

/** A `transforms` list may also name batch transforms (mixup, cutmix): the data package sorts them out. */
const transform = s.component(['transform', 'batch-transform']);

const dataSchema = s.object({
  train: s.component('dataset'),
  test: s.optional(s.component('dataset')),
  /** Share of the training set held out for validation (evaluated each epoch instead of the test set). */
  validationFraction: s.default(s.number({ min: 0, max: 0.9 }), 0),
  transforms: s.default(s.array(transform), []),
  evalTransforms: s.default(s.array(transform), []),
  batchTransforms: s.default(s.array(s.component('batch-transform')), []),
  batchSize: s.default(s.int({ min: 1 }), 64),
  evalBatchSize: s.optional(s.int({ min: 1 })),
  normalize: s.optional(s.object({ mean: s.array(s.number()), std: s.array(s.number({ gt: 0 })) })),
  repeatedAugmentation: s.default(s.int({ min: 1 }), 1),
  dropLast: s.default(s.boolean(), true),
});

const emaSchema = s.object({
  decay: s.default(s.number({ gt: 0, max: 0.999999 }), 0.9998),
  /** Evaluate the EMA weights as well as the live weights. */
  evaluate: s.default(s.boolean(), true),
});

const distillSchema = s.object({
  teacher: modelSpecSchema,
  /** Safetensors weights of the teacher (a checkpoint or a plain state dict); relative to the spec file. */
  weights: s.string(),
  type: s.default(s.enum(['soft', 'hard'] as const), 'hard'),
  alpha: s.default(s.number({ min: 0, max: 1 }), 0.5),
  tau: s.default(s.number({ gt: 0 }), 1),
});

/** The divergence guard (see divergence.ts and the README): which losses and gradient norms count as an explosion. */
const divergenceSchema = s.object({
  enabled: s.default(s.boolean(), DEFAULT_DIVERGENCE.enabled),
  lossFactor: s.default(s.number({ gt: 1 }), DEFAULT_DIVERGENCE.lossFactor),
  gradNormFactor: s.default(s.number({ gt: 1 }), DEFAULT_DIVERGENCE.gradNormFactor),
  maxGradNorm: s.optional(s.number({ gt: 0 })),
  window: s.default(s.int({ min: 3 }), DEFAULT_DIVERGENCE.window),
  warmupSteps: s.default(s.int({ min: 1 }), DEFAULT_DIVERGENCE.warmupSteps),
});

const trainSchema = s.object({
  epochs: s.number({ gt: 0 }),
  optimizer: s.default(s.component('optimizer'), { type: 'adamw' }),
  schedule: s.default(s.component('schedule'), { type: 'cosine' }),
  loss: s.default(s.component('loss'), { type: 'cross-entropy' }),
  clipGradNorm: s.optional(s.number({ gt: 0 })),
  ema: s.optional(emaSchema),
  distillation: s.optional(distillSchema),
  /** Write a checkpoint every N optimizer steps (besides the end of every epoch). */
  checkpointEvery: s.optional(s.int({ min: 1 })),
  /** Evaluate every N epochs (and always after the last). */
  evalEvery: s.default(s.int({ min: 1 }), 1),
  /** Steps between metric lines in metrics.jsonl. */
  logEvery: s.default(s.int({ min: 1 }), 20),
  /** Output folder, relative to the current directory; default runs/<spec file name>. */
  outDir: s.optional(s.string()),
  /**
   * Data-parallel replicas on this machine (the main thread's included): 2 uses both cores of a 2-core machine, each
   * replica computing the gradients of its share of every batch on its own single-threaded backend.
   */
  workers: s.default(s.int({ min: 1, max: 64 }), 1),
  /** Stop a run whose loss or gradient norm explodes (finite or not), naming the last healthy checkpoint. */
  divergence: s.default(divergenceSchema, { ...DEFAULT_DIVERGENCE }),
});

export const trainSpecSchema = s.object({
  $schema: s.optional(s.string()),
  description: s.optional(s.string()),
  plugins: s.default(s.array(s.string()), []),
  seed: s.default(s.int({ min: 0 }), 0),
  backend: s.default(s.string(), 'auto'),
  model: modelSpecSchema,
  data: dataSchema,
  train: trainSchema,
});

/** A validated training spec: the schema's type, defaults filled in. */
export type TrainSpec = SchemaType<typeof trainSpecSchema>;

/** A validated training spec with where it came from (relative paths in it resolve against `dir`). */
export interface LoadedSpec {
  spec: TrainSpec;
  /** The spec as written (stored in checkpoints). */
  raw: unknown;
  file?: string;
  dir: string;
  name: string;
}

export function parseTrainSpec(raw: unknown, where = 'spec'): TrainSpec {
  const spec = validate(trainSpecSchema, raw, '');
  if (spec.model === undefined) throw new SpecError([{ path: 'model', message: `is required (${where})` }]);
  if (spec.data.validationFraction === 0 && spec.data.test === undefined) {
    throw new SpecError([{ path: 'data.test', message: 'is required unless data.validationFraction > 0 (nothing to evaluate on)' }]);
  }
  if (spec.train.distillation && spec.train.distillation.teacher === undefined) {
    throw new SpecError([{ path: 'train.distillation.teacher', message: 'is required (a model spec or preset name)' }]);
  }
  return spec;
}

/** Loads a spec from a JSON file, or takes an object (then relative paths resolve against `dir`, default cwd). */
export async function loadTrainSpec(source: string | object, dir = process.cwd()): Promise<LoadedSpec> {
  if (typeof source === 'string') {
    const file = path.resolve(source);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      throw new Error(`cannot read spec ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`spec ${source} is not valid JSON: ${(e as Error).message}`);
    }
    try {
      return { spec: parseTrainSpec(raw, source), raw, file, dir: path.dirname(file), name: path.basename(file).replace(/\.json$/i, '') };
    } catch (e) {
      if (e instanceof SpecError) (e as Error).message = `${source}:\n${(e as Error).message}`;
      throw e;
    }
  }
  return { spec: parseTrainSpec(source), raw: source, dir: path.resolve(dir), name: 'run' };
}
