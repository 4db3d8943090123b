import { PresetDefinition, RegistryLike, s, VitkitPlugin } from '@vitkit/core';
import { CPVisionTransformer, CPVTOptions } from './cpvt';

export { CPVisionTransformer } from './cpvt';
export type { CPVTOptions } from './cpvt';
export { PositionalEncodingGenerator } from './peg';
export { DepthwiseConv2d } from './depthwise';
export type { DepthwiseConv2dOptions } from './depthwise';

const OWNER = 'vitkit-plugin-cpvt';

export const cpvtOptions = s.object({
  imgSize: s.default(s.int({ min: 1 }), 224),
  inChans: s.default(s.int({ min: 1 }), 3),
  numClasses: s.default(s.int({ min: 0 }), 1000),
  embedDim: s.default(s.int({ min: 1 }), 192),
  depth: s.default(s.int({ min: 1 }), 12),
  numHeads: s.default(s.int({ min: 1 }), 3),
  mlpRatio: s.default(s.number({ gt: 0 }), 4),
  qkvBias: s.default(s.boolean(), true),
  normEps: s.default(s.number({ gt: 0 }), 1e-6),
  dropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  attnDropRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  dropPathRate: s.default(s.number({ min: 0, max: 0.99 }), 0),
  pool: s.default(s.enum(['gap', 'token'] as const), 'gap'),
  pegAfter: s.default(s.array(s.int({ min: 0 })), [0]),
  pegKernelSize: s.default(s.int({ min: 1 }), 3),
  tokenizer: s.default(s.any(), { type: 'patch', patchSize: 16 }),
});

function preset(name: string, description: string, spec: Record<string, unknown>): PresetDefinition {
  return { name, owner: OWNER, description, spec: { type: 'cpvt', ...spec } };
}

/** CPVT presets (paper Table 1 widths = DeiT's). */
export const cpvtPresets: PresetDefinition[] = [
  preset('cpvt_ti', 'CPVT-Ti: DeiT-Ti widths (192-d, 12 blocks, 3 heads), class token, PEG after block 0', { pool: 'token' }),
  preset('cpvt_ti_gap', 'CPVT-Ti-GAP: CPVT-Ti with global average pooling instead of the class token', { pool: 'gap' }),
  preset('cpvt_s', 'CPVT-S: DeiT-S widths (384-d, 12 blocks, 6 heads), class token', { embedDim: 384, numHeads: 6, pool: 'token' }),
  preset('cpvt_s_gap', 'CPVT-S-GAP: DeiT-S widths, global average pooling', { embedDim: 384, numHeads: 6, pool: 'gap' }),
  preset('cpvt_tiny_32', 'Small CPVT-GAP for 32 px images (CIFAR): patch 4 (8×8 tokens), 192-d, 4 blocks, 4 heads, 10 classes', {
    imgSize: 32, numClasses: 10, embedDim: 192, depth: 4, numHeads: 4, mlpRatio: 3, tokenizer: { type: 'patch', patchSize: 4 },
  }),
];

/** Registers the `cpvt` backbone and its presets. The default tokenizer (`patch`) comes from @vitkit/tokenizers. */
export function register(registry: RegistryLike): void {
  registry.register({
    kind: 'backbone',
    name: 'cpvt',
    owner: OWNER,
    description: 'CPVT: ViT with Positional Encoding Generators (depthwise conv over the token grid) instead of a position embedding',
    options: cpvtOptions,
    create: (o, ctx) => new CPVisionTransformer(o as CPVTOptions, ctx),
    example: { imgSize: 16, numClasses: 3, embedDim: 16, depth: 2, numHeads: 2, pegAfter: [0, 1], tokenizer: { type: 'patch', patchSize: 4 } },
  });
  for (const p of cpvtPresets) registry.registerPreset(p);
}

/** The plugin object the vitkit CLI and `loadPlugins` look for. */
export const plugin: VitkitPlugin = { name: OWNER, register };
