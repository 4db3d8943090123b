import { PresetDefinition, RegistryLike } from '@vitkit/core';
import { VtResNet, vtResnetOptions } from './vt-resnet';

export { VtResNet } from './vt-resnet';
export { vtResnetOptions } from './vt-resnet';
export type { VtResNetOptions } from './vt-resnet';
export { VtModule, isVtTokenizer } from './vt-module';
export type { VtModuleOptions, VtTokenizerLike, TokenInteraction } from './vt-module';
export { VtTransformer, GraphConvInteraction } from './interaction';
export type { VtTransformerOptions } from './interaction';
export { VtProjector } from './projector';
export type { VtProjectorOptions } from './projector';

const owner = '@vitkit/backbones';

function preset(name: string, description: string, spec: Record<string, unknown>): PresetDefinition {
  return { name, owner, description, spec: { type: 'vt-resnet', tokenChannels: 1024, numTokens: 16, tokenizer: 'filter', ...spec } };
}

/** Table 11: ResNet stages 1–3 as in the base model, then 2 or 3 VT modules (L = 16, CT = 1024). */
export const vtResnetPresets: PresetDefinition[] = [
  preset('vt_resnet18', 'VT-ResNet-18 (Wu et al. 2020, Table 11): BasicBlock [2,2,2] + 2 VT modules (C 256, CT 1024, L 16)', { block: 'basic', layers: [2, 2, 2], vtModules: 2 }),
  preset('vt_resnet34', 'VT-ResNet-34: BasicBlock [3,4,6] + 3 VT modules (C 256, CT 1024, L 16)', { block: 'basic', layers: [3, 4, 6], vtModules: 3 }),
  preset('vt_resnet50', 'VT-ResNet-50: Bottleneck [3,4,6] + 3 VT modules (C 1024, CT 1024, L 16)', { block: 'bottleneck', layers: [3, 4, 6], vtModules: 3 }),
  preset('vt_resnet101', 'VT-ResNet-101: Bottleneck [3,4,23] + 3 VT modules (C 1024, CT 1024, L 16)', { block: 'bottleneck', layers: [3, 4, 23], vtModules: 3 }),
];

export function registerVtResNet(registry: RegistryLike): void {
  registry.register({
    kind: 'backbone',
    name: 'vt-resnet',
    owner,
    description: 'Visual-Transformer ResNet: ResNet stem + stages 1-3, VT modules (tokenizer, transformer, projector) in place of the last stage, head on the mean token',
    options: vtResnetOptions,
    example: { block: 'basic', layers: [1, 1, 1], widths: [4, 8, 16], vtModules: 2, tokenChannels: 16, numTokens: 4, imgSize: 32, numClasses: 5 },
    create: (o, ctx) => new VtResNet(o, ctx),
  });
  for (const p of vtResnetPresets) registry.registerPreset(p);
}
