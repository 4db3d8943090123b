import type { VitkitPlugin } from '@vitkit/core';
import { registerDeepNarrow } from './deep-narrow';
import { registerDualBranch } from './dual-branch';
import { registerResNet } from './resnet';
import { registerVit } from './vit';
import { registerVtResNet } from './vt-resnet';
import { registerSegmentation } from './segmentation';

/** Registers every backbone and preset of this package. */
export const plugin: VitkitPlugin = {
  name: '@vitkit/backbones',
  register(registry) {
    registerVit(registry);
    registerDeepNarrow(registry);
    registerDualBranch(registry);
    registerResNet(registry);
    registerVtResNet(registry);
    registerSegmentation(registry);
  },
};

export const register = plugin.register;
