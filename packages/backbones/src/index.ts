export { plugin, register } from './plugin';
export { VisionTransformer, registerVit, vitOptions, vitPresets } from './vit';
export type { VisionTransformerOptions } from './vit';
