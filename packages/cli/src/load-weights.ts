import * as path from 'path';
import { buildModel, loadStateDict, splitPretrained } from '@vitkit/core';
import type { ImageClassifier, Registry } from '@vitkit/core';
import type { LoadedSpec } from '@vitkit/trainer';
import type { TrainerPackage } from './trainer-packages';

/** Builds the spec's model and loads weights (a state dict or a training checkpoint) strictly, in eval mode. */
export async function loadTrainedModel(
  trainer: TrainerPackage,
  loaded: LoadedSpec,
  registry: Registry,
  weights: string,
): Promise<{ model: ImageClassifier; metadata: Record<string, string> }> {
  // --weights replaces the spec's `pretrained`.
  const model = buildModel(registry, splitPretrained(loaded.spec.model).spec, 'model');
  try {
    const file = path.resolve(weights);
    const { tensors, metadata } = await trainer.readWeights(file);
    loadStateDict(model, tensors, { strict: true, source: file });
    return { model: model.eval(), metadata };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
