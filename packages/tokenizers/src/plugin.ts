import type { VitkitPlugin } from '@vitkit/core';
import { registerPatch } from './patch';

/** Registers every tokenizer of this package: `import { plugin } from '@vitkit/tokenizers'; usePlugin(registry, plugin)`. */
export const plugin: VitkitPlugin = {
  name: '@vitkit/tokenizers',
  register(registry) {
    registerPatch(registry);
  },
};

export const register = plugin.register;
