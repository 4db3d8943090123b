import { DualBranchViT, MultiScaleBlock } from '@vitkit/backbones';
import { AllAttentionFusion, ClassTokenFusion, CrossAttention, CrossAttentionBlock, CrossAttentionFusion, NoFusion, PairwiseFusion, SelfAttentionLayer } from '@vitkit/fusion';
import { ConvStem } from '@vitkit/tokenizers';
import { bicubicMatrix } from '@vitkit/core';
import type { ExportContext } from '../context';
import type { OnnxPlugin } from '../registry';
import { attend, emitHeads } from './core';

/**
 * PyTorch bicubic (`F.interpolate(mode='bicubic', align_corners=False)`) of a square NHWC tensor `[B, n, n, C]` to
 * `size × size`, as vitkit computes it: two MatMuls with core's constant interpolation matrix. (ONNX `Resize` in
 * cubic mode is not used: onnxruntime's layout optimizer moves it to NHWC, where it refuses to downscale.)
 */
export function emitResizeBicubic(ctx: ExportContext, x: string, from: number, size: number, hint: string): string {
  const m = ctx.initializer(`${hint}.bicubic_${from}_to_${size}`, { data: bicubicMatrix(from, size), dims: [size, from] });
  const nchw = ctx.transpose(x, [0, 3, 1, 2]); // [B, C, n, n]
  const rows = ctx.op1('MatMul', [m, nchw]); // [B, C, size, n]
  const cols = ctx.op1('MatMul', [rows, ctx.transpose(m, [1, 0])]); // [B, C, size, size]
  return ctx.transpose(cols, [0, 2, 3, 1], hint);
}

export function emitConvStem(m: ConvStem, [x]: string[], ctx: ExportContext): string[] {
  return [ctx.reshape(ctx.emit1(m.proj, x), [0, m.numTokens, m.embedDim], ctx.pathOf(m))];
}

/** The CLS token only as query; keys and values all tokens. Output `[B, 1, C]`. */
export function emitCrossAttention(m: CrossAttention, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const h = m.options.numHeads;
  const c = m.dim;
  const d = c / h;
  const split = (t: string, perm: number[]) => ctx.transpose(ctx.reshape(t, [0, 0, h, d]), perm);
  const q = split(ctx.emit1(m.wq, ctx.slice(x, 1, 0, 1)), [0, 2, 1, 3]);
  const kT = split(ctx.emit1(m.wk, x), [0, 2, 3, 1]);
  const v = split(ctx.emit1(m.wv, x), [0, 2, 1, 3]);
  const out = ctx.reshape(ctx.transpose(attend(ctx, q, kT, v, m.scale, path), [0, 2, 1, 3]), [0, 0, c]);
  return [ctx.emit1(m.proj, out)];
}

export function emitCrossAttentionBlock(m: CrossAttentionBlock, [x]: string[], ctx: ExportContext): string[] {
  return [ctx.op1('Add', [ctx.slice(x, 1, 0, 1), ctx.emit1(m.attn, ctx.emit1(m.norm1, x))], {}, ctx.pathOf(m))];
}

export function emitSelfAttentionLayer(m: SelfAttentionLayer, [x]: string[], ctx: ExportContext): string[] {
  return [ctx.op1('Add', [x, ctx.emit1(m.attn, ctx.emit1(m.norm1, x))], {}, ctx.pathOf(m))];
}

const BIG = 2 ** 62; // Slice end "to the last token"

export function emitCrossAttentionFusion(m: CrossAttentionFusion, branches: string[], ctx: ExportContext): string[] {
  const n = branches.length;
  const projCls = branches.map((x, i) => ctx.emit1(m.projs.at(i), ctx.slice(x, 1, 0, 1)));
  return branches.map((x, i) => {
    const j = (i + 1) % n;
    const z = ctx.op1('Concat', [projCls[i], ctx.slice(branches[j], 1, 1, BIG)], { axis: 1 });
    const c = ctx.emit1(m.fusion.at(i), z);
    return ctx.op1('Concat', [ctx.emit1(m.revert_projs.at(i), c), ctx.slice(x, 1, 1, BIG)], { axis: 1 }, `${ctx.pathOf(m)}.out${i}`);
  });
}

/** Joint self-attention over all branches' tokens, split back by each branch's (runtime) token count. */
export function emitAllAttentionFusion(m: AllAttentionFusion, branches: string[], ctx: ExportContext): string[] {
  const y = ctx.op1('Concat', branches.map((x, i) => ctx.emit1(m.projs.at(i), x)), { axis: 1 });
  const o = ctx.emit1(m.fusion, y);
  const lengths = ctx.op1('Concat', branches.map((x) => ctx.op1('Shape', [x], { start: 1, end: 2 })), { axis: 0 });
  const parts = ctx.op('Split', [o, lengths], { axis: 1 }, `${ctx.pathOf(m)}.split`, branches.length);
  return parts.map((p, i) => ctx.emit1(m.revert_projs.at(i), p));
}

export function emitClassTokenFusion(m: ClassTokenFusion, branches: string[], ctx: ExportContext): string[] {
  const fused = ctx.op1('Sum', branches.map((x, i) => ctx.emit1(m.projs.at(i), ctx.slice(x, 1, 0, 1))));
  return branches.map((x, i) => ctx.op1('Concat', [ctx.emit1(m.revert_projs.at(i), fused), ctx.slice(x, 1, 1, BIG)], { axis: 1 }));
}

export function emitPairwiseFusion(m: PairwiseFusion, branches: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const d = m.dim;
  const projected = branches.map((x, i) => ctx.emit1(m.projs.at(i), x));
  const cls = ctx.op1('Sum', projected.map((p) => ctx.slice(p, 1, 0, 1)));
  const grids = projected.map((p, j) => ctx.reshape(ctx.slice(p, 1, 1, BIG), [0, m.grids[j], m.grids[j], d]));
  return branches.map((_, i) => {
    const gi = m.grids[i];
    const aligned = grids.map((g, j) => (m.grids[j] === gi ? g : emitResizeBicubic(ctx, g, m.grids[j], gi, `${path}.align${j}to${i}`)));
    const patches = ctx.reshape(aligned.length === 1 ? aligned[0] : ctx.op1('Sum', aligned), [0, gi * gi, d]);
    return ctx.emit1(m.revert_projs.at(i), ctx.op1('Concat', [cls, patches], { axis: 1 }));
  });
}

export function emitDualBranchViT(m: DualBranchViT, [x]: string[], ctx: ExportContext): string[] {
  const side = m.config.inputSize[0];
  let xs = m.options.imgSize.map((s, i) => {
    const input = s === side ? x : emitResizeBicubic(ctx, x, side, s, `branch${i}.resized`);
    const tokens = ctx.emit1(m.patch_embed.at(i), input);
    const withCls = ctx.prependToken(tokens, ctx.param(m.cls_token, String(i), m.cls_token.items[i]));
    return ctx.op1('Add', [withCls, ctx.param(m.pos_embed, String(i), m.pos_embed.items[i])], {}, `branch${i}.embedded`);
  });
  for (const blk of m.blocks.items) xs = ctx.emit(blk, xs);
  const features = xs.map((t, i) => ctx.emit1(m.norm.at(i), ctx.reshape(ctx.slice(t, 1, 0, 1), [0, m.options.embedDim[i]])));
  return [emitHeads(m, features, ctx)];
}

export const crossvitOnnx: OnnxPlugin = {
  name: 'crossvit',
  register(e) {
    e.register(ConvStem, emitConvStem, '@vitkit/tokenizers');
    e.register(CrossAttention, emitCrossAttention, '@vitkit/fusion');
    e.register(CrossAttentionBlock, emitCrossAttentionBlock, '@vitkit/fusion');
    e.register(SelfAttentionLayer, emitSelfAttentionLayer, '@vitkit/fusion');
    e.register(CrossAttentionFusion, emitCrossAttentionFusion, '@vitkit/fusion');
    e.register(AllAttentionFusion, emitAllAttentionFusion, '@vitkit/fusion');
    e.register(ClassTokenFusion, emitClassTokenFusion, '@vitkit/fusion');
    e.register(PairwiseFusion, emitPairwiseFusion, '@vitkit/fusion');
    e.register(NoFusion, (_f, xs) => xs, '@vitkit/fusion');
    e.register(MultiScaleBlock, (blk, xs, ctx) => ctx.emit(blk.fuse, xs.map((t, i) => ctx.emit1(blk.blocks.at(i), t))), '@vitkit/backbones');
    e.register(DualBranchViT, emitDualBranchViT, '@vitkit/backbones');
  },
};
