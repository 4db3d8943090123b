export { plugin, register } from './plugin';
export { PatchEmbed, registerPatch, patchOptions } from './patch';
export type { PatchEmbedOptions } from './patch';
