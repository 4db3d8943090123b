// Public API: one curated barrel per tokenizer family, plus the plugin that registers them all.
export { plugin, register } from './plugin';
export * from './patch';
export * from './conv-stem';
export * from './t2t';
export * from './vt';
