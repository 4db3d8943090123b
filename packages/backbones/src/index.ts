// Public API: one curated barrel per backbone family, plus the plugin that registers them and their presets.
export { plugin, register } from './plugin';
export * from './vit';
export * from './deep-narrow';
export * from './dual-branch';
export * from './resnet';
export * from './vt-resnet';
export * from './segmentation';
