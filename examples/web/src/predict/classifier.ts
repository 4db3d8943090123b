import { buildModel, IMAGENET_CLASSES, loadStateDict, loadWeights, timmEvalTransform } from '@vitkit/core';
import type { EvalTransform, ImageClassifier, ModelSpec, PretrainedConfig, Registry, WeightsSource } from '@vitkit/core';
import type { ModelChoice } from './model-choice';

export interface LoadedClassifier {
  model: ImageClassifier;
  /** How images are fed: the preset's official eval transform, else timm's default at the model's input size. */
  transform: EvalTransform;
  classNames: readonly string[];
  /** Where the weights came from, or that there were none. */
  weights: string;
}

/** timm's default crop fraction and interpolation, for models without an official eval transform. */
const DEFAULT_CROP_PCT = 0.875;

function presetOf(spec: ModelSpec): string | undefined {
  if (typeof spec === 'string') return spec;
  return 'preset' in spec && typeof spec.preset === 'string' ? spec.preset : undefined;
}

/** The published-weights config behind the choice: the chosen preset's, or that of the preset a spec starts from. */
function pretrainedOf(registry: Registry, choice: ModelChoice): PretrainedConfig | undefined {
  const preset = choice.kind === 'preset' ? choice.preset : presetOf(choice.spec);
  return preset === undefined ? undefined : registry.preset(preset)?.pretrained;
}

function specOf(choice: ModelChoice, pretrained: PretrainedConfig | undefined): ModelSpec {
  if (choice.kind === 'spec') return choice.spec;
  return { preset: choice.preset, ...pretrained?.specOverrides };
}

function sourceName(source: WeightsSource): string {
  if (typeof source === 'string' || source instanceof URL) return String(source);
  if (typeof File !== 'undefined' && source instanceof File) return source.name;
  return 'the given bytes';
}

/**
 * Builds the chosen model and loads the weights into it (strictly: every tensor must fit), in eval mode. Without
 * weights the model keeps its random initialisation. The caller disposes `model`.
 */
export async function loadClassifier(registry: Registry, choice: ModelChoice, weights: WeightsSource | null): Promise<LoadedClassifier> {
  const pretrained = pretrainedOf(registry, choice);
  const model = buildModel(registry, specOf(choice, pretrained), choice.kind === 'spec' ? 'spec' : choice.preset);
  try {
    let described = 'none: random initialisation';
    if (weights !== null) {
      const name = sourceName(weights);
      const file = await loadWeights(weights, { weights: pretrained?.weights, source: name });
      loadStateDict(model, file.tensors, { strict: true, source: name });
      described = `${name} (${file.format}${file.entry ? `, entry ${file.entry}` : ''})`;
    }
    const [height, width] = model.config.inputSize;
    if (height !== width && !pretrained) throw new Error(`the model takes ${height}×${width} images; this page feeds square center crops`);
    const official = pretrained && pretrained.inputSize[1] === height ? pretrained.eval : undefined;
    return {
      model: model.eval(),
      transform: official ?? timmEvalTransform(height, DEFAULT_CROP_PCT, 'bicubic'),
      classNames: model.config.numClasses === IMAGENET_CLASSES.length ? IMAGENET_CLASSES : [],
      weights: described,
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
