import type { RegistryLike, VitkitPlugin } from '@vitkit/core';
import { registerResNet } from '../resnet';

/**
 * Plugin module for the CLI-path parity test (`runForward` loads plugins by file): registers `resnet` unless
 * the registry already has it.
 */
export const plugin: VitkitPlugin = {
  name: '@vitkit/backbones/resnet-test',
  register(registry: RegistryLike) {
    const has = (registry as { has?: (kind: string, name: string) => boolean }).has;
    if (!has || !has.call(registry, 'backbone', 'resnet')) registerResNet(registry);
  },
};
