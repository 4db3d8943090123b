// @vitkit/explain: where a vision transformer looks. Attention rollout over recorded attention maps
// (core's AttentionRecorder) and heatmap overlays as plain RGBA pixels; PNG files come from `@vitkit/explain/node`.
export { attentionRollout, rolloutMatrix } from './rollout';
export type { LayerAttention } from './rollout';
export { patchGrid } from './patch-grid';
export { vitRollout, crossVitRollouts, modelRollouts } from './model-rollouts';
export type { NamedRollout } from './model-rollouts';
export { jet } from './colormap';
export { heatmapOverlay, upsampleBilinear } from './heatmap';
export { sideBySide, stackVertically } from './compose';
export type { RgbaImage } from './compose';
export { inputToRgba, splitChannels } from './input-image';
export { explainImage, noAttentionMessage } from './explain-image';
export type { ExplainInput, Explanation } from './explain-image';
