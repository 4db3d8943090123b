import { PresetDefinition, RegistryLike } from '@vitkit/core';
import { ResNet, resnetOptions } from './resnet';
import { withPretrained } from '../pretrained-weights';

export { ResNet, BasicBlock, Bottleneck, ResNetStem, makeLayer, maxPool2d, subsample2d, blockExpansion, nativeMaxPoolGradIsExact, fastNormal, resnetFeatureChannels } from './resnet';
export { resnetOptions } from './resnet';
export type { ResNetOptions, BlockKind } from './resnet';

const owner = '@vitkit/backbones';

function preset(name: string, description: string, spec: Record<string, unknown>): PresetDefinition {
  return { name, owner, description, spec: { type: 'resnet', ...spec } };
}

export const resnetPresets: PresetDefinition[] = withPretrained([
  preset('resnet18', 'ResNet-18 (torchvision): BasicBlock [2,2,2,2]', { block: 'basic', layers: [2, 2, 2, 2] }),
  preset('resnet34', 'ResNet-34 (torchvision): BasicBlock [3,4,6,3]', { block: 'basic', layers: [3, 4, 6, 3] }),
  preset('resnet50', 'ResNet-50 (torchvision V1.5): Bottleneck [3,4,6,3]', { block: 'bottleneck', layers: [3, 4, 6, 3] }),
  preset('resnet101', 'ResNet-101 (torchvision V1.5): Bottleneck [3,4,23,3]', { block: 'bottleneck', layers: [3, 4, 23, 3] }),
]);

export function registerResNet(registry: RegistryLike): void {
  registry.register({
    kind: 'backbone',
    name: 'resnet',
    owner,
    description: 'torchvision ResNet (BasicBlock / Bottleneck V1.5), configurable stage widths; loads torchvision checkpoints',
    options: resnetOptions,
    example: { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16], imgSize: 32, numClasses: 5 },
    create: (o, ctx) => new ResNet(o, ctx),
  });
  for (const p of resnetPresets) registry.registerPreset(p);
}
