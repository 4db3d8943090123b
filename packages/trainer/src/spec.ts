import { promises as fs } from 'fs';
import * as path from 'path';
import { modelSpecSchema, s, validate, SpecError } from '@vitkit/core';
import type { SchemaType } from '@vitkit/core';
import { segmentationTrainSpecSchema } from './segmentation/spec';
import type { SegmentationTrainSpec } from './segmentation/spec';
import { distillSchema, runSettingsShape, trainSectionShape } from './train-section';

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

/** A classification spec (`task` absent or "classification"): a classifier, image-label datasets, cross-entropy. */
export const trainSpecSchema = s.object({
  ...runSettingsShape,
  task: s.default(s.enum(['classification'] as const), 'classification'),
  model: modelSpecSchema,
  data: dataSchema,
  train: s.object({ ...trainSectionShape('cross-entropy'), distillation: s.optional(distillSchema) }),
});

/** A validated classification spec: the schema's type, defaults filled in. */
export type ClassificationTrainSpec = SchemaType<typeof trainSpecSchema>;

/** A validated training spec of any task (`spec.task` tells which), defaults filled in. */
export type TrainSpec = ClassificationTrainSpec | SegmentationTrainSpec;

/** A validated training spec with where it came from (relative paths in it resolve against `dir`). */
export interface LoadedSpec {
  spec: TrainSpec;
  /** The spec as written (stored in checkpoints). */
  raw: unknown;
  file?: string;
  dir: string;
  name: string;
}

/** Validates a spec against its task's schema (`"task": "segmentation"`, else classification); errors name the path. */
export function parseTrainSpec(raw: unknown, where = 'spec'): TrainSpec {
  if (isSegmentationSpec(raw)) return validate(segmentationTrainSpecSchema, raw, '');
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

/** Whether a spec as written is a segmentation spec (`"task": "segmentation"`). */
export function isSegmentationSpec(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { task?: unknown }).task === 'segmentation';
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
