import * as fs from 'fs';
import * as path from 'path';
import { buildSegmenter, createRegistry, neckMacs, s, saveSafetensors, selectBackend, validate } from '@vitkit/core';
import type { BackendName, Registry, SchemaType, SegmentationModel } from '@vitkit/core';
import { MaskFolderDataset, MnistSegmentationDataset, segRandomCrop, segRandomHorizontalFlip } from '@vitkit/data';
import type { SegDataset, SegTransform } from '@vitkit/data';
import { fitSegmentation, SegmentationFitResult } from './fit';
import { writeSegmentationReport } from './report';

const dataSchema = s.object({
  type: s.enum(['mnist-segmentation', 'mask-folder'] as const),
  /** mnist-segmentation: canvas side, images per split, digits per image, seed. */
  size: s.default(s.int({ min: 28 }), 64),
  trainLength: s.default(s.int({ min: 1 }), 2000),
  testLength: s.default(s.int({ min: 1 }), 300),
  digits: s.optional(s.array(s.int({ min: 1 }), { length: 2 })),
  seed: s.default(s.int({ min: 0 }), 0),
  /** mask-folder: root (relative to the spec's folder) with train/ and test/ splits, and the number of classes. */
  dir: s.optional(s.string()),
  numClasses: s.optional(s.int({ min: 1 })),
  imageSize: s.optional(s.array(s.int({ min: 1 }), { length: 2 })),
  channels: s.default(s.int({ min: 1, max: 3 }), 3),
});

const trainSchema = s.object({
  batchSize: s.default(s.int({ min: 1 }), 8),
  lr: s.default(s.number({ gt: 0 }), 0.01),
  momentum: s.default(s.number({ min: 0 }), 0.9),
  weightDecay: s.default(s.number({ min: 0 }), 5e-4),
  epochs: s.optional(s.int({ min: 1 })),
  maxMinutes: s.optional(s.number({ gt: 0 })),
  evalEvery: s.optional(s.int({ min: 1 })),
  evalLimit: s.optional(s.int({ min: 1 })),
  /** Random crop (with zero/ignore padding) and horizontal flip, applied to image and mask alike. */
  cropPadding: s.default(s.int({ min: 0 }), 0),
  flip: s.default(s.boolean(), false),
  seed: s.default(s.int({ min: 0 }), 0),
});

const specSchema = s.object({
  description: s.optional(s.string()),
  task: s.enum(['segmentation'] as const),
  model: s.component('segmenter'),
  data: dataSchema,
  train: trainSchema,
  output: s.object({ dir: s.string(), reportImages: s.default(s.int({ min: 0 }), 4) }),
  backend: s.optional(s.enum(['wasm', 'cpu', 'tensorflow', 'webgpu'] as const)),
});

export type SegmentationRunSpec = SchemaType<typeof specSchema>;

async function loadData(d: SegmentationRunSpec['data'], baseDir: string, specPath: string): Promise<{ train: SegDataset; test: SegDataset }> {
  if (d.type === 'mnist-segmentation') {
    const common = { size: d.size, seed: d.seed, digits: d.digits as [number, number] | undefined };
    return {
      train: await MnistSegmentationDataset.load({ ...common, split: 'train', length: d.trainLength }),
      test: await MnistSegmentationDataset.load({ ...common, split: 'test', length: d.testLength }),
    };
  }
  if (!d.dir || !d.numClasses) throw new Error(`${specPath}: data.dir and data.numClasses are required for mask-folder`);
  if (d.channels !== 1 && d.channels !== 3) throw new Error(`${specPath}: data.channels must be 1 or 3`);
  const o = { dir: path.resolve(baseDir, d.dir), numClasses: d.numClasses, channels: d.channels as 1 | 3, imageSize: d.imageSize as [number, number] | undefined };
  return { train: await MaskFolderDataset.open({ ...o, split: 'train' }), test: await MaskFolderDataset.open({ ...o, split: 'test' }) };
}

/** Validates a segmentation spec (`"task": "segmentation"`) against the schema and the registry; errors name the path. */
export function parseSegmentationSpec(raw: unknown, specFile: string, registry: Registry): SegmentationRunSpec {
  return validate(specSchema, raw, specFile, { registry });
}

/** What a command needs of a segmentation spec: the validated spec, its folder, its data and a freshly built model. */
export interface SegmentationRun {
  spec: SegmentationRunSpec;
  baseDir: string;
  train: SegDataset;
  test: SegDataset;
  /** Built through the registry, random weights; the caller disposes it. */
  model: SegmentationModel;
  /** Where training writes its outputs (`output.dir`, relative to the spec's folder). */
  outDir: string;
}

/** Reads, validates and opens a segmentation spec file (what `vitkit train/eval/predict` start from). */
export async function openSegmentationRun(specFile: string, registry: Registry): Promise<SegmentationRun> {
  const raw = JSON.parse(fs.readFileSync(specFile, 'utf8')) as unknown;
  const spec = parseSegmentationSpec(raw, specFile, registry);
  if (spec.backend) await selectBackend(spec.backend as BackendName, { quiet: true });
  const baseDir = path.dirname(path.resolve(specFile));
  const { train, test } = await loadData(spec.data, baseDir, specFile);
  const model = buildSegmenter(registry, spec.model as { type: string }, `${specFile}: model`);
  return { spec, baseDir, train, test, model, outDir: path.resolve(baseDir, spec.output.dir) };
}

export interface SegmentationRunResult extends SegmentationFitResult {
  /** MACs of the neck alone at the training size (batch 1). */
  neckMacs: number;
  reportFile: string;
  /** The trained weights (`model.safetensors`, PyTorch-style names), what eval / predict load. */
  weightsFile: string;
}

/**
 * Runs a segmentation spec (`"task": "segmentation"`): builds the model through the registry, trains it on the data
 * with `fitSegmentation` (metrics.jsonl in `output.dir`), saves `model.safetensors` and writes `report.html` next to it and returns the scores and
 * the neck's MACs. What `vitkit train --spec` calls for a segmentation spec.
 */
export async function runSegmentationSpec(specFile: string, options: { registry?: Registry; log?: (line: string) => void } = {}): Promise<SegmentationRunResult> {
  const registry = options.registry ?? createRegistry();
  const { spec, train, test, model, outDir } = await openSegmentationRun(specFile, registry);
  try {
    const [h, w] = model.config.inputSize;
    const macs = neckMacs(model.neck, model.backbone.featureChannels, model.backbone.featureStrides, h, w);
    const transforms: SegTransform[] = [];
    if (spec.train.cropPadding > 0) transforms.push(segRandomCrop([train.shape[0], train.shape[1]], spec.train.cropPadding));
    if (spec.train.flip) transforms.push(segRandomHorizontalFlip());
    const result = await fitSegmentation({ model, train, test, outDir, ...spec.train, transforms, log: options.log });
    const weightsFile = path.join(outDir, 'model.safetensors');
    await saveSafetensors(model, weightsFile, { task: 'segmentation', spec: path.basename(specFile) });
    const reportFile = path.join(outDir, 'report.html');
    await writeSegmentationReport(reportFile, model, test, { count: spec.output.reportImages, scores: result.final, title: `${path.basename(specFile)}: mIoU ${(result.final.mIoU * 100).toFixed(2)} %` });
    return { ...result, neckMacs: macs, reportFile, weightsFile };
  } finally {
    model.dispose();
  }
}
