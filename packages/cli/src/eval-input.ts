import type { ImageClassifier, Registry } from '@vitkit/core';
import type { LoadedSpec } from '@vitkit/trainer';
import type { DataPackage, TrainerPackage } from './trainer-packages';

export interface InferenceInfo {
  classNames: readonly string[];
  normalize: { mean: number[]; std: number[] };
  imageShape: readonly [number, number, number];
}

/** Class names, statistics and image shape: from the weights' metadata (written by train), else the spec's datasets. */
export async function inferenceInfo(trainer: TrainerPackage, loaded: LoadedSpec, registry: Registry, metadata: Record<string, string>): Promise<InferenceInfo> {
  if (metadata['vitkit.classNames'] && metadata['vitkit.normalize'] && metadata['vitkit.imageShape']) {
    return {
      classNames: JSON.parse(metadata['vitkit.classNames']),
      normalize: JSON.parse(metadata['vitkit.normalize']),
      imageShape: JSON.parse(metadata['vitkit.imageShape']),
    };
  }
  const data = await trainer.defaultDataFactory({ registry, spec: loaded.spec, dir: loaded.dir });
  return { classNames: data.classNames, normalize: data.normalize, imageShape: data.shape };
}

/** The spec's evaluation path for one image file, ready for the model: returns the pixels. */
export interface EvalImageReader {
  (file: string): Promise<{ data: Float32Array; height: number; width: number; channels: number }>;
}

/**
 * Reads image files the way evaluation sees them: decoded at the dataset's size, the spec's eval transforms, resized
 * to the model's input if they do not already give it, normalised with the dataset's statistics. HWC float32.
 */
export function specEvalImageReader(
  data: DataPackage,
  registry: Registry,
  evalTransforms: Parameters<DataPackage['createTransforms']>[1],
  model: ImageClassifier,
  info: InferenceInfo,
): EvalImageReader {
  const transforms = data.createTransforms(registry, evalTransforms, 'data.evalTransforms');
  const { inputSize, inChans } = model.config;
  const [h0, w0, c0] = info.imageShape;
  return async (file) => {
    let img = data.makeImage(h0, w0, c0, await data.decodeImageFile(file, [h0, w0, c0]));
    for (const t of transforms) img = t.apply(img, { rng: data.Rng.from(0), mean: info.normalize.mean, std: info.normalize.std });
    if (img.height !== inputSize[0] || img.width !== inputSize[1]) img = data.cropResizeBilinear(img, 0, 0, img.height, img.width, inputSize[0], inputSize[1]);
    if (img.channels !== inChans) throw new Error(`${file}: the eval transforms give ${img.channels} channels, the model takes ${inChans}`);
    data.normalizeInPlace(img.data, img.channels, info.normalize.mean, info.normalize.std);
    return { data: img.data, height: img.height, width: img.width, channels: img.channels };
  };
}
