import { AttentionRecorder, SpecError, tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import { heatmapOverlay } from './heatmap';
import { sideBySide, stackVertically } from './compose';
import type { RgbaImage } from './compose';
import { inputToRgba, splitChannels } from './input-image';
import { modelRollouts } from './model-rollouts';

/** A normalised model input (HWC float32) and the statistics it was normalised with. */
export interface ExplainInput {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
  mean: readonly number[];
  std: readonly number[];
}

export interface Explanation {
  image: RgbaImage;
  /** One line per row of the picture: what its overlays show. */
  rows: string[];
}

/** VT-ResNet's tokenizer attention (`[B, H, W, L]` per VT module); null or absent on other models. */
type WithTokenizerAttention = ImageClassifier & { attentionMaps?(x: tf.Tensor4D): tf.Tensor4D[] | null };

/**
 * What a classifier looks at in one image, as one picture (what `vitkit explain` writes and the training report
 * shows): the image the model saw, then heatmap overlays. Transformers with recorded
 * attention get one row: the attention rollout (one overlay per CrossViT branch). VT-ResNets get one row per VT
 * module: the filter tokenizer's spatial attention of each visual token.
 */
export async function explainImage(model: ImageClassifier, input: ExplainInput, alpha = 0.5): Promise<Explanation> {
  const { height: h, width: w, channels: c } = input;
  const shown = inputToRgba(input.data, h, w, c, input.mean, input.std);
  const overlay = (map: ArrayLike<number>, gh: number, gw: number): RgbaImage => ({ rgba: heatmapOverlay(shown.rgba, w, h, map, gh, gw, alpha), width: w, height: h });
  const x = tf.tensor4d(input.data, [1, h, w, c]);
  try {
    const tokenizerMaps = typeof (model as WithTokenizerAttention).attentionMaps === 'function' ? (model as WithTokenizerAttention).attentionMaps!(x) : null;
    if (tokenizerMaps) {
      const rows: RgbaImage[] = [];
      for (const m of tokenizerMaps) {
        const [, gh, gw, l] = m.shape;
        const perToken = splitChannels(await m.data(), gh, gw, l);
        rows.push(sideBySide([shown, ...perToken.map((t) => overlay(t, gh, gw))]));
      }
      tf.dispose(tokenizerMaps);
      return { image: stackVertically(rows), rows: tokenizerMaps.map((m, i) => `VT module ${i}: tokenizer attention of ${m.shape[3]} tokens on a ${m.shape[1]}×${m.shape[2]} grid`) };
    }
    const recorder = AttentionRecorder.start(model);
    try {
      tf.tidy(() => void model.forward(x));
      recorder.stop();
      if (recorder.maps.length === 0) {
        throw new SpecError([{ path: 'model', message: noAttentionMessage(model) }]);
      }
      const rollouts = modelRollouts(recorder.maps, [h, w]);
      const overlays: RgbaImage[] = [];
      for (const r of rollouts) {
        const [, gh, gw] = r.map.shape;
        overlays.push(overlay(await r.map.data(), gh, gw));
      }
      tf.dispose(rollouts.map((r) => r.map));
      return { image: sideBySide([shown, ...overlays]), rows: [`attention rollout: ${rollouts.map((r) => `${r.name} (${r.map.shape[1]}×${r.map.shape[2]})`).join(', ')}`] };
    } finally {
      recorder.dispose();
    }
  } finally {
    x.dispose();
  }
}

/** Why a model has no picture: it records no attention and has no tokenizer attention. */
export function noAttentionMessage(model: ImageClassifier): string {
  return `a ${model.constructor.name} has no attention to explain (explain supports ViT, T2T-ViT, CrossViT and VT-ResNet models)`;
}
