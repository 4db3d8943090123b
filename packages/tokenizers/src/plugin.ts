import type { VitkitPlugin } from '@vitkit/core';
import { registerConvStem } from './conv-stem';
import { registerPatch } from './patch';
import { registerT2T } from './t2t';
import { registerVtTokenizers } from './vt';

/** Registers every tokenizer of this package: `createRegistry({ plugins: [plugin] })` or `usePlugin(registry, plugin)`. */
export const plugin: VitkitPlugin = {
  name: '@vitkit/tokenizers',
  register(registry) {
    registerPatch(registry);
    registerConvStem(registry);
    registerT2T(registry);
    registerVtTokenizers(registry);
  },
};

export const register = plugin.register;
