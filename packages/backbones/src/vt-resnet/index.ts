import { PresetDefinition, RegistryLike, s } from '@vitkit/core';
import { VtResNet, VtResNetOptions } from './vt-resnet';

export { VtResNet } from './vt-resnet';
export type { VtResNetOptions } from './vt-resnet';
export { VtModule, isVtTokenizer } from './vt-module';
export type { VtModuleOptions, VtTokenizerLike, TokenInteraction } from './vt-module';
export { VtTransformer, GraphConvInteraction } from './interaction';
export type { VtTransformerOptions } from './interaction';
export { VtProjector } from './projector';
export type { VtProjectorOptions } from './projector';

export const vtResnetOptions = s.object({
  block: s.default(s.enum(['basic', 'bottleneck'] as const), 'basic'),
  layers: s.array(s.int({ min: 1 }), { length: 3 }),
  widths: s.default(s.array(s.int({ min: 1 }), { length: 3 }), [64, 128, 256]),
  vtModules: s.default(s.int({ min: 1 }), 2),
  channels: s.optional(s.int({ min: 1 })),
  tokenChannels: s.default(s.int({ min: 1 }), 1024),
  numTokens: s.default(s.int({ min: 1 }), 16),
  tokenizer: s.default(s.any(), 'filter'),
  recurrent: s.default(s.boolean(), true),
  interaction: s.default(s.enum(['transformer', 'graph-conv', 'none'] as const), 'transformer'),
  projector: s.default(s.boolean(), true),
  projectLast: s.default(s.boolean(), false),
  attnDim: s.optional(s.int({ min: 1 })),
  ffnDim: s.optional(s.int({ min: 1 })),
  projDim: s.optional(s.int({ min: 1 })),
  numClasses: s.default(s.int({ min: 0 }), 1000),
  inChans: s.default(s.int({ min: 1 }), 3),
  imgSize: s.default(s.int({ min: 1 }), 224),
});

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
    create: (o, ctx) => new VtResNet(o as VtResNetOptions, ctx),
  });
  for (const p of vtResnetPresets) registry.registerPreset(p);
}
