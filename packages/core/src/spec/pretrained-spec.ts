import * as path from 'path';
import { finetuneLayout } from '../io/finetune/layouts';
import { describePretrained } from '../io/finetune/load-pretrained';
import type { PretrainedReport } from '../io/finetune/load-pretrained';
import { loadPretrainedFile } from '../io/finetune/load-pretrained-file';
import type { ImageClassifier } from '../models/contracts';
import type { Registry } from '../registry/registry';
import { buildModel, resolveModelSpec } from './model-spec';
import type { ModelSpec } from './model-spec';
import { splitPretrained } from './split-pretrained';

export { splitPretrained } from './split-pretrained';
export type { PretrainedSpec } from './split-pretrained';

export interface BuildPretrainedOptions {
  /** Spec path for errors (default `model`). */
  path?: string;
  /** Folder `pretrained.path` is relative to (the spec file's; default the working directory). */
  baseDir?: string;
  /** Receives the lines saying what was loaded, reset, resized and left out. */
  log?: (line: string) => void;
}

/**
 * Builds a model from a spec and, when it has `pretrained`, loads those weights for fine-tuning: the head is reset
 * for another `numClasses`, position tables are resized for another `imgSize` (bicubic), and what was loaded, reset,
 * resized and left out is reported. One call does what timm's `create_model(name, pretrained=True, num_classes=…)`
 * does, from a local file (nothing is downloaded).
 */
export async function buildPretrainedModel(
  registry: Registry,
  spec: ModelSpec,
  options: BuildPretrainedOptions = {},
): Promise<{ model: ImageClassifier; pretrained?: PretrainedReport }> {
  const where = options.path ?? 'model';
  const { spec: rest, pretrained } = splitPretrained(spec, where);
  const model = buildModel(registry, rest, where);
  if (!pretrained) return { model };
  try {
    const file = path.resolve(options.baseDir ?? process.cwd(), pretrained.path);
    const type = resolveModelSpec(registry, rest, where).type;
    const report = await loadPretrainedFile(model, file, { weights: pretrained.weights, strict: pretrained.strict, layout: finetuneLayout(type) });
    for (const line of describePretrained(report)) options.log?.(line);
    return { model, pretrained: report };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
