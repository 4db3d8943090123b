import * as fs from 'fs';
import * as path from 'path';
import { loadStateDict } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import { UsageError } from './exit-codes';
import type { DataPackage, TrainerPackage } from './trainer-packages';

/** Whether a spec file is a segmentation spec (`"task": "segmentation"`), which train/eval/predict run differently. */
export function isSegmentationSpecFile(file: string): boolean {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return false; // the classification path reports unreadable or invalid JSON with its own message
  }
  return typeof raw === 'object' && raw !== null && (raw as { task?: unknown }).task === 'segmentation';
}

type Write = (line: string) => void;

/** `vitkit train` on a segmentation spec: trains, writes metrics.jsonl, model.safetensors and report.html. */
export async function trainSegmentation(trainer: TrainerPackage, specFile: string, registry: Registry, log: Write): Promise<Record<string, unknown>> {
  const r = await trainer.runSegmentationSpec(specFile, { registry, log });
  log(`test mIoU: ${(r.final.mIoU * 100).toFixed(2)}% (pixel accuracy ${(r.final.pixelAccuracy * 100).toFixed(2)}%); neck ${(r.neckMacs / 1e6).toFixed(2)} M MACs`);
  log(`outputs: ${r.weightsFile}, ${r.reportFile}`);
  return { task: 'segmentation', mIoU: r.final.mIoU, pixelAccuracy: r.final.pixelAccuracy, perClassIoU: r.final.perClassIoU, neckMacs: r.neckMacs, weights: r.weightsFile, report: r.reportFile };
}

async function openWithWeights(trainer: TrainerPackage, specFile: string, registry: Registry, weights: string) {
  const run = await trainer.openSegmentationRun(specFile, registry);
  try {
    const file = path.resolve(weights);
    const { tensors } = await trainer.readWeights(file);
    loadStateDict(run.model, tensors, { strict: true, source: file });
    run.model.eval();
    return run;
  } catch (e) {
    run.model.dispose();
    throw e;
  }
}

/** `vitkit eval` on a segmentation spec: mIoU, pixel accuracy and per-class IoU on the spec's test split. */
export async function evalSegmentation(trainer: TrainerPackage, specFile: string, registry: Registry, weights: string): Promise<Record<string, unknown>> {
  const run = await openWithWeights(trainer, specFile, registry, weights);
  try {
    const r = await trainer.evaluateSegmentation(run.model, run.test);
    return { task: 'segmentation', mIoU: r.mIoU, pixelAccuracy: r.pixelAccuracy, perClassIoU: r.perClassIoU, images: run.test.length };
  } finally {
    run.model.dispose();
  }
}

/** `vitkit predict` on a segmentation spec: one coloured mask PNG per image (`<out>/<image name>.mask.png`). */
export async function predictSegmentation(
  trainer: TrainerPackage,
  data: DataPackage,
  specFile: string,
  registry: Registry,
  weights: string,
  images: readonly string[],
  outDir: string | undefined,
): Promise<Array<{ file: string; mask: string }>> {
  const run = await openWithWeights(trainer, specFile, registry, weights);
  try {
    const [h, w, c] = run.test.shape;
    if (c !== 1 && c !== 3) throw new UsageError(`the model takes ${c} channels; predict decodes greyscale or RGB images`);
    if (outDir) await fs.promises.mkdir(outDir, { recursive: true });
    const results: Array<{ file: string; mask: string }> = [];
    for (const file of images) {
      const pixels = await data.decodeImageFile(file, [h, w, c]);
      const out = path.join(outDir ?? path.dirname(file), `${path.parse(file).name}.mask.png`);
      await trainer.predictMaskPng(run.model, pixels, [h, w, c], run.train.stats, out);
      results.push({ file, mask: out });
    }
    return results;
  } finally {
    run.model.dispose();
  }
}
