import { VisionTransformer } from '@vitkit/backbones';
import { PatchEmbed } from '@vitkit/tokenizers';
import type { ExportContext } from '../context';
import type { OnnxPlugin } from '../registry';
import { emitHeads } from './core';

/** The patch embedding is a stride-`p` convolution (vitkit computes it as patchify + matmul; same function). */
export function emitPatchEmbed(m: PatchEmbed, [x]: string[], ctx: ExportContext): string[] {
  return [ctx.reshape(ctx.emit1(m.proj, x), [0, -1, m.embedDim], ctx.pathOf(m))];
}

/** cls token + tokens, + pos_embed, blocks, norm, pooled (class token or mean patch token), head. */
export function emitVisionTransformer(m: VisionTransformer, [x]: string[], ctx: ExportContext): string[] {
  const tokens = ctx.emit1(m.patchEmbed, x);
  let h = ctx.op1('Add', [ctx.prependToken(tokens, ctx.param(m, 'cls_token', m.clsToken)), ctx.param(m, 'pos_embed', m.posEmbed)], {}, 'pos_embed_added');
  for (const blk of m.blocks.items) h = ctx.emit1(blk, h);
  h = ctx.emit1(m.norm, h);
  const n = m.patchEmbed.numTokens + 1;
  const d = m.options.embedDim;
  const pooled =
    m.options.globalPool === 'avg'
      ? ctx.op1('ReduceMean', [ctx.slice(h, 1, 1, n)], { axes: [1], keepdims: 0 }, 'pooled')
      : ctx.reshape(ctx.slice(h, 1, 0, 1), [0, d], 'pooled');
  return [emitHeads(m, [pooled], ctx)];
}

export const vitOnnx: OnnxPlugin = {
  name: 'vit',
  register(e) {
    e.register(PatchEmbed, emitPatchEmbed, '@vitkit/tokenizers');
    e.register(VisionTransformer, emitVisionTransformer, '@vitkit/backbones');
  },
};
