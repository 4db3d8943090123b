import * as fs from 'fs';
import * as path from 'path';
import { loadStateDict } from '@vitkit/core';
import type { Registry, SegmentationModel, tf } from '@vitkit/core';
import type { Trainer, TrainResult } from '@vitkit/trainer';
import { UsageError } from './exit-codes';
import type { ServedEngine } from './onnx-package';
import type { DataPackage, TrainerPackage } from './trainer-packages';

type Write = (line: string) => void;

/** Opens the inference engine (`--engine`) on the model with its weights loaded. */
export type ServeSegmenter = (model: SegmentationModel) => Promise<ServedEngine<tf.Tensor4D>>;

/**
 * What `vitkit train` adds for a segmentation run: the neck's MACs (and a line saying them) and, for a finished run,
 * the final scores and the files eval / predict read.
 */
export function segmentationSummary(trainer: TrainerPackage, run: Trainer, r: TrainResult, log: Write): Record<string, unknown> {
  const neckMacs = trainer.segmentationNeckMacs(run.model as SegmentationModel);
  log(`neck: ${(neckMacs / 1e6).toFixed(2)} M MACs at ${run.model.config.inputSize.join('×')}`);
  const scores = r.task === 'segmentation' && r.final ? { mIoU: r.final.mIoU, pixelAccuracy: r.final.pixelAccuracy, perClassIoU: r.final.perClassIoU } : {};
  const files = r.stopped ? {} : { weights: path.join(r.outDir, 'model.safetensors'), report: path.join(r.outDir, 'report.html') };
  return { task: 'segmentation', ...scores, neckMacs, ...files };
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
export async function evalSegmentation(trainer: TrainerPackage, specFile: string, registry: Registry, weights: string, serve: ServeSegmenter): Promise<Record<string, unknown>> {
  const run = await openWithWeights(trainer, specFile, registry, weights);
  try {
    const served = await serve(run.model);
    try {
      const r = await trainer.evaluateSegmentation(run.model, run.test, { forward: served.forward });
      return { task: 'segmentation', mIoU: r.mIoU, pixelAccuracy: r.pixelAccuracy, perClassIoU: r.perClassIoU, images: run.test.length };
    } finally {
      await served.close();
    }
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
  serve: ServeSegmenter,
): Promise<Array<{ file: string; mask: string }>> {
  const run = await openWithWeights(trainer, specFile, registry, weights);
  try {
    const [h, w, c] = run.test.shape;
    if (c !== 1 && c !== 3) throw new UsageError(`the model takes ${c} channels; predict decodes greyscale or RGB images`);
    if (outDir) await fs.promises.mkdir(outDir, { recursive: true });
    const served = await serve(run.model);
    try {
      const results: Array<{ file: string; mask: string }> = [];
      for (const file of images) {
        const pixels = await data.decodeImageFile(file, [h, w, c]);
        const out = path.join(outDir ?? path.dirname(file), `${path.parse(file).name}.mask.png`);
        await trainer.predictMaskPng(run.model, pixels, [h, w, c], run.train.stats, out, { forward: served.forward });
        results.push({ file, mask: out });
      }
      return results;
    } finally {
      await served.close();
    }
  } finally {
    run.model.dispose();
  }
}
