import * as path from 'path';
import { neckMacs, validate } from '@vitkit/core';
import type { Registry, SegmentationModel } from '@vitkit/core';
import type { SegDataset } from '@vitkit/data';
import { runRegistry } from '../run-registry';
import { loadTrainSpec } from '../spec';
import type { LoadedSpec } from '../spec';
import { Trainer } from '../trainer';
import type { TrainerOptions, TrainResultBase } from '../trainer';
import { openSegmentationData } from './data';
import type { SegmentationEvaluation } from './evaluate';
import { segmentationTrainSpecSchema } from './spec';
import type { SegmentationTrainSpec } from './spec';
import { segmentationTask } from './task';

/** Validates a segmentation spec (`"task": "segmentation"`) against the schema and the registry; errors name the path. */
export function parseSegmentationSpec(raw: unknown, specFile: string, registry: Registry): SegmentationTrainSpec {
  return validate(segmentationTrainSpecSchema, raw, specFile, { registry });
}

/** A loaded spec that must be a segmentation spec (eval and predict of a segmentation model start from one). */
async function loadSegmentationSpec(specFile: string): Promise<LoadedSpec & { spec: SegmentationTrainSpec }> {
  const loaded = await loadTrainSpec(specFile);
  if (loaded.spec.task !== 'segmentation') throw new Error(`${specFile} is a ${loaded.spec.task} spec, not a segmentation spec ("task": "segmentation")`);
  return loaded as LoadedSpec & { spec: SegmentationTrainSpec };
}

/** What a command needs of a segmentation spec: the validated spec, its folder, its data and a freshly built model. */
export interface SegmentationRun {
  spec: SegmentationTrainSpec;
  baseDir: string;
  train: SegDataset;
  test: SegDataset;
  /** Built through the registry (the spec's seed), random weights; the caller disposes it. */
  model: SegmentationModel;
  /** Where training writes its outputs (`train.outDir`, else runs/<spec name>). */
  outDir: string;
}

/** Reads, validates and opens a segmentation spec file (what `vitkit eval/predict` start from; the backend is the caller's). */
export async function openSegmentationRun(specFile: string, registry: Registry): Promise<SegmentationRun> {
  const loaded = await loadSegmentationSpec(specFile);
  const reg = runRegistry({ registry, specPlugins: loaded.spec.plugins, dir: loaded.dir });
  const { train, test } = await openSegmentationData(loaded.spec.data, loaded.dir);
  const model = (await segmentationTask.buildModel(reg, loaded.spec, { baseDir: loaded.dir, resume: false, log: () => {} })) as SegmentationModel;
  return { spec: loaded.spec, baseDir: loaded.dir, train, test, model, outDir: path.resolve(loaded.spec.train.outDir ?? path.join('runs', loaded.name)) };
}

/** MACs of a segmenter's neck alone at its input size, batch 1 (the VT paper's FPN-module column). */
export function segmentationNeckMacs(model: SegmentationModel): number {
  const [h, w] = model.config.inputSize;
  return neckMacs(model.neck, model.backbone.featureChannels, model.backbone.featureStrides, h, w);
}

export interface SegmentationRunResult extends TrainResultBase {
  task: 'segmentation';
  final?: SegmentationEvaluation;
  finalEma?: SegmentationEvaluation;
  /** MACs of the neck alone at the training size (batch 1). */
  neckMacs: number;
  metricsFile: string;
  reportFile: string;
  /** The trained weights (`model.safetensors`, PyTorch-style names), what eval / predict load. */
  weightsFile: string;
}

/**
 * Trains a segmentation spec with the shared trainer (registry optimizer and schedule, EMA, clipping, checkpoints,
 * `resume`, divergence guard, metrics.jsonl, report.html) and adds the neck's MACs to the result.
 */
export async function runSegmentationSpec(specFile: string, options: TrainerOptions = {}): Promise<SegmentationRunResult> {
  const loaded = await loadSegmentationSpec(specFile);
  const run = await Trainer.create(loaded, options);
  try {
    const macs = segmentationNeckMacs(run.model as SegmentationModel);
    const r = await run.fit();
    if (r.task !== 'segmentation') throw new Error(`${specFile}: trained as ${r.task}`);
    return { ...r, neckMacs: macs, metricsFile: run.metricsFile, reportFile: path.join(run.outDir, 'report.html'), weightsFile: path.join(run.outDir, 'model.safetensors') };
  } finally {
    run.dispose();
  }
}
