import { PresetDefinition, RegistryLike } from '@vitkit/core';
import { VisionTransformer, vitOptions } from './vision-transformer';

export { VisionTransformer } from './vision-transformer';
export { vitOptions } from './vision-transformer';
export type { VisionTransformerOptions } from './vision-transformer';

const owner = '@vitkit/backbones';

function vit(name: string, description: string, spec: Record<string, unknown>): PresetDefinition {
  return { name, owner, description, spec: { type: 'vit', ...spec } };
}

export const vitPresets: PresetDefinition[] = [
  vit('vit_tiny_patch16_224', 'ViT-Ti/16 (DeiT-Ti widths)', { embedDim: 192, depth: 12, numHeads: 3 }),
  vit('vit_small_patch16_224', 'ViT-S/16', { embedDim: 384, depth: 12, numHeads: 6 }),
  vit('vit_base_patch16_224', 'ViT-B/16', { embedDim: 768, depth: 12, numHeads: 12 }),
  vit('vit_s_bench_32', 'Benchmark config S of the performance study: 32 px, patch 4 (64 tokens), width 192, depth 4, 4 heads, MLP 3x', {
    imgSize: 32, numClasses: 10, embedDim: 192, depth: 4, numHeads: 4, mlpRatio: 3, tokenizer: { type: 'patch', patchSize: 4 },
  }),
];

export function registerVit(registry: RegistryLike): void {
  registry.register({
    kind: 'backbone',
    name: 'vit',
    owner,
    description: 'Plain Vision Transformer: tokenizer + pre-norm transformer blocks + cls-token head (timm names)',
    options: vitOptions,
    example: { imgSize: 16, numClasses: 5, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 4 } },
    create: (o, ctx) => new VisionTransformer(o, ctx),
  });
  for (const p of vitPresets) registry.registerPreset(p);
}
