import { RegistryLike, s } from '@vitkit/core';
import { ConvStem } from './conv-stem';

export { ConvStem, CONV_STEM_LAYERS } from './conv-stem';
export type { ConvStemOptions } from './conv-stem';

export const convStemOptions = s.object({
  imgSize: s.int({ min: 1 }),
  patchSize: s.int({ min: 1 }),
  inChans: s.default(s.int({ min: 1 }), 3),
  embedDim: s.int({ min: 4 }),
});

/** Registers the `conv-stem` tokenizer (CrossViT† 3-conv patch embedding, patch sizes 12 and 16). */
export function registerConvStem(registry: RegistryLike): void {
  registry.register({
    kind: 'tokenizer',
    name: 'conv-stem',
    owner: '@vitkit/tokenizers',
    description: 'CrossViT† 3-conv patch embedding (Conv-ReLU-Conv-ReLU-Conv) for patch sizes 12 and 16',
    options: convStemOptions,
    example: { imgSize: 24, patchSize: 12, embedDim: 16 },
    create: (o, ctx) => new ConvStem(o, ctx.path),
  });
}
