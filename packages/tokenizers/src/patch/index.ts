import { RegistryLike, s } from '@vitkit/core';
import { PatchEmbed } from './patch-embed';

export { PatchEmbed } from './patch-embed';
export type { PatchEmbedOptions } from './patch-embed';

export const patchOptions = s.object({
  imgSize: s.int({ min: 1 }),
  patchSize: s.default(s.int({ min: 1 }), 16),
  inChans: s.default(s.int({ min: 1 }), 3),
  embedDim: s.int({ min: 1 }),
});

export function registerPatch(registry: RegistryLike): void {
  registry.register({
    kind: 'tokenizer',
    name: 'patch',
    owner: '@vitkit/tokenizers',
    description: 'Linear patch embedding: conv with kernel = stride = patch size (ViT, CrossViT)',
    options: patchOptions,
    example: { imgSize: 16, patchSize: 4, embedDim: 8 },
    create: (o, ctx) => new PatchEmbed({ imgSize: [o.imgSize, o.imgSize], patchSize: o.patchSize, inChans: o.inChans, embedDim: o.embedDim }, ctx.path),
  });
}
