import type { RegistryLike, VitkitPlugin } from '@vitkit/core';
import { registerResNet } from './index';

/**
 * Test helper for `runForward`: registers `resnet` unless the installed `@vitkit/backbones` plugin already did,
 * so the CLI-path parity test passes whether or not the package plugin lists `registerResNet` yet.
 */
export const plugin: VitkitPlugin = {
  name: '@vitkit/backbones/resnet-test',
  register(registry: RegistryLike) {
    const has = (registry as { has?: (kind: string, name: string) => boolean }).has;
    if (!has || !has.call(registry, 'backbone', 'resnet')) registerResNet(registry);
  },
};
