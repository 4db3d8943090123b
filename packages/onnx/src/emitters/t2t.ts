import { DeepNarrowViT } from '@vitkit/backbones';
import { ConvolutionT2TTokenizer, PerformerT2TTokenizer, SoftSplitT2TTokenizer, TokenAttention, TokenPerformer, TokenTransformer, TransformerT2TTokenizer } from '@vitkit/tokenizers';
import type { ExportContext } from '../context';
import type { OnnxPlugin } from '../registry';
import { emitHeads } from './core';

/**
 * PyTorch `nn.Unfold(k, s, p)` + `transpose(1, 2)` on an NHWC image → `[B, L, C·k²]`, as a depthwise `Conv` with a
 * constant one-hot kernel (group per channel, output channel `c·k² + ki·k + kj`), the same exact pattern as
 * vitkit's `conv` soft split: every output is `1·x + 0·…`.
 */
export function emitSoftSplit(ctx: ExportContext, x: string, channels: number, kernel: number, stride: number, padding: number, hint: string): string {
  const k2 = kernel * kernel;
  const weight = new Float32Array(channels * k2 * k2);
  for (let c = 0; c < channels; c++) for (let m = 0; m < k2; m++) weight[(c * k2 + m) * k2 + m] = 1;
  const w = ctx.initializer(`${hint}.one_hot`, { data: weight, dims: [channels * k2, 1, kernel, kernel] });
  const p = padding;
  const y = ctx.op1('Conv', [ctx.transpose(x, [0, 3, 1, 2]), w], { group: channels, kernel_shape: [kernel, kernel], strides: [stride, stride], pads: [p, p, p, p] }, `${hint}.unfold`);
  return ctx.transpose(ctx.reshape(y, [0, channels * k2, -1]), [0, 2, 1], hint);
}

/** `exp(z·wᵀ − ‖z‖²/2) / √m`. */
function prmExp(m: TokenPerformer, z: string, wT: string, ctx: ExportContext): string {
  const xd = ctx.op1('Div', [ctx.op1('ReduceSum', [ctx.op1('Mul', [z, z]), ctx.int64s([-1])], { keepdims: 1 }), ctx.scalar(2)]);
  const wtx = ctx.op1('MatMul', [z, wT]);
  return ctx.op1('Div', [ctx.op1('Exp', [ctx.op1('Sub', [wtx, xd])]), ctx.scalar(Math.sqrt(m.m))]);
}

export function emitTokenPerformer(m: TokenPerformer, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const e = m.emb;
  const [k, q, v] = ctx.op('Split', [ctx.emit1(m.kqv, ctx.emit1(m.norm1, x)), ctx.int64s([e, e, e])], { axis: 2 }, `${path}.kqv_split`, 3);
  const wT = ctx.transpose(ctx.param(m, 'w', m.w), [1, 0]);
  const kp = prmExp(m, k, wT, ctx);
  const qp = prmExp(m, q, wT, ctx);
  const kpSum = ctx.op1('ReduceSum', [kp, ctx.int64s([1])], { keepdims: 1 }); // [B, 1, m]
  const d = ctx.op1('MatMul', [qp, ctx.transpose(kpSum, [0, 2, 1])]); // [B, T, 1]
  const kptv = ctx.op1('MatMul', [ctx.transpose(v, [0, 2, 1]), kp]); // [B, E, m]
  const y = ctx.op1('Div', [ctx.op1('MatMul', [qp, ctx.transpose(kptv, [0, 2, 1])]), ctx.op1('Add', [d, ctx.scalar(m.epsilon)])]);
  const attn = ctx.op1('Add', [v, ctx.emit1(m.proj, y)], {}, `${path}.attn`);
  return [ctx.op1('Add', [attn, ctx.emit1(m.mlp, ctx.emit1(m.norm2, attn))], {}, path)];
}

/** One head on `[B, N, E]`, q scaled before q·kᵀ, residual on v. */
export function emitTokenAttention(m: TokenAttention, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const e = m.inDim;
  const [q, k, v] = ctx.op('Split', [ctx.emit1(m.qkv, x), ctx.int64s([e, e, e])], { axis: 2 }, `${path}.qkv_split`, 3);
  const scores = ctx.op1('MatMul', [ctx.op1('Mul', [q, ctx.scalar(m.scale)]), ctx.transpose(k, [0, 2, 1])]);
  const context = ctx.op1('MatMul', [ctx.op1('Softmax', [scores], { axis: -1 }), v]);
  return [ctx.op1('Add', [v, ctx.emit1(m.proj, context)], {}, path)];
}

export function emitTokenTransformer(m: TokenTransformer, [x]: string[], ctx: ExportContext): string[] {
  const y = ctx.emit1(m.attn, ctx.emit1(m.norm1, x));
  return [ctx.op1('Add', [y, ctx.emit1(m.mlp, ctx.emit1(m.norm2, y))], {}, ctx.pathOf(m))];
}

export function emitConvolutionT2TTokenizer(m: ConvolutionT2TTokenizer, [x]: string[], ctx: ExportContext): string[] {
  const o = m.options;
  let y = x;
  m.convs.forEach((conv, i) => {
    y = ctx.emit1(conv, y);
    if (m.norms[i]) y = ctx.emit1(m.norms[i], y);
    if (o.convActivation === 'relu') y = ctx.op1('Relu', [y]);
    if (o.convActivation === 'gelu') y = ctx.gelu(y);
  });
  return [ctx.reshape(ctx.emit1(m.project, y), [0, -1, m.embedDim], ctx.pathOf(m))];
}

/** The performer and transformer variants: soft splits (unfold) around the T2T layers. */
export function emitSoftSplitT2TTokenizer(m: SoftSplitT2TTokenizer, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const o = m.options;
  let channels = o.inChans;
  let tokens = emitSoftSplit(ctx, x, channels, o.kernelSizes[0], o.strides[0], o.paddings[0], `${path}.soft_split0`);
  m.layers.forEach((layer, i) => {
    const g = m.geometry.grids[i];
    channels = o.tokenDim;
    const img = ctx.reshape(ctx.emit1(layer, tokens), [0, g, g, channels], `${path}.restructurize${i}`);
    tokens = emitSoftSplit(ctx, img, channels, o.kernelSizes[i + 1], o.strides[i + 1], o.paddings[i + 1], `${path}.soft_split${i + 1}`);
  });
  return [ctx.emit1(m.project, tokens)];
}

export function emitDeepNarrowViT(m: DeepNarrowViT, [x]: string[], ctx: ExportContext): string[] {
  const tokens = ctx.emit1(m.tokens_to_token, x);
  let h = ctx.op1('Add', [ctx.prependToken(tokens, ctx.param(m, 'cls_token', m.cls_token)), ctx.param(m, 'pos_embed', m.pos_embed)], {}, 'pos_embed_added');
  for (const blk of m.blocks.items) h = ctx.emit1(blk, h);
  h = ctx.emit1(m.norm, h);
  const pooled = ctx.reshape(ctx.slice(h, 1, 0, 1), [0, m.numFeatures], 'pooled');
  return [emitHeads(m, [pooled], ctx)];
}

export const t2tOnnx: OnnxPlugin = {
  name: 't2t',
  register(e) {
    e.register(PerformerT2TTokenizer, emitSoftSplitT2TTokenizer, '@vitkit/tokenizers');
    e.register(TransformerT2TTokenizer, emitSoftSplitT2TTokenizer, '@vitkit/tokenizers');
    e.register(ConvolutionT2TTokenizer, emitConvolutionT2TTokenizer, '@vitkit/tokenizers');
    e.register(TokenPerformer, emitTokenPerformer, '@vitkit/tokenizers');
    e.register(TokenTransformer, emitTokenTransformer, '@vitkit/tokenizers');
    e.register(TokenAttention, emitTokenAttention, '@vitkit/tokenizers');
    e.register(DeepNarrowViT, emitDeepNarrowViT, '@vitkit/backbones');
  },
};
