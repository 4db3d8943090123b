import type { VitkitPlugin } from '@vitkit/core';
import { registerVit } from './vit';

/** Registers every backbone and preset of this package. */
export const plugin: VitkitPlugin = {
  name: '@vitkit/backbones',
  register(registry) {
    registerVit(registry);
  },
};

export const register = plugin.register;
