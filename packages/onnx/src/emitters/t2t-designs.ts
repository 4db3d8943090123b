/**
 * ONNX patterns of the T2T-ViT paper's CNN-to-ViT block designs (`design: 'se' | 'ghost' | 'dense'` of the
 * deep-narrow backbone), each the same function as the vitkit module at inference (dropout and drop-path are the
 * identity there).
 */
import { CheapOperation, DenseBlock, DesignBlock, GhostAttention, GhostMlp, SEAttention, SELayer, Transition } from '@vitkit/backbones';
import type { Linear } from '@vitkit/core';
import type { ExportContext } from '../context';
import type { OnnxPlugin } from '../registry';
import { attend } from './core';

/** `[B, N, H·d]` → `[B, H, N, d]` (the transposed flag gives `[B, H, d, N]`, kᵀ for `attend`). */
function heads(ctx: ExportContext, t: string, numHeads: number, headDim: number, transposed = false): string {
  return ctx.transpose(ctx.reshape(t, [0, 0, numHeads, headDim]), transposed ? [0, 2, 3, 1] : [0, 2, 1, 3]);
}

/** Multi-head attention of separate q, k, v `[B, N, width]`, heads merged back to `[B, N, width]`. */
function multiHead(ctx: ExportContext, q: string, k: string, v: string, width: number, numHeads: number, scale: number, path: string): string {
  const d = width / numHeads;
  const out = attend(ctx, heads(ctx, q, numHeads, d), heads(ctx, k, numHeads, d, true), heads(ctx, v, numHeads, d), scale, path);
  return ctx.reshape(ctx.transpose(out, [0, 2, 1, 3]), [0, 0, width], `${path}.merged`);
}

/** Squeeze-and-excitation: mean over tokens, `Linear → ReLU → Linear → Sigmoid`, channel-wise rescale. */
export function emitSELayer(m: SELayer, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  // fc = [Linear, ReLU, Linear, Sigmoid]; the Sigmoid is a private class of @vitkit/backbones, emitted here directly.
  const [fc1, , fc2] = m.fc.layers as Linear[];
  const squeezed = ctx.op1('ReduceMean', [x], { axes: [1], keepdims: 1 }, `${path}.squeeze`); // [B, 1, C]
  const gate = ctx.op1('Sigmoid', [ctx.emit1(fc2, ctx.op1('Relu', [ctx.emit1(fc1, squeezed)]))], {}, `${path}.gate`);
  return [ctx.op1('Mul', [x, gate], {}, path)];
}

/** Fused-qkv attention whose projected output goes through the SE layer. */
export function emitSEAttention(m: SEAttention, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const c = m.dim;
  const [q, k, v] = ctx.op('Split', [ctx.emit1(m.qkv, x), ctx.int64s([c, c, c])], { axis: 2 }, `${path}.qkv_split`, 3);
  return [ctx.emit1(m.se_layer, ctx.emit1(m.proj, multiHead(ctx, q, k, v, c, m.numHeads, m.scale, path)))];
}

/** A depthwise 1×1 convolution on tokens: a per-channel scale, weight `[C, 1, 1]` broadcast as `[C]`. */
export function emitCheapOperation(m: CheapOperation, [x]: string[], ctx: ExportContext): string[] {
  const scale = ctx.reshape(ctx.param(m, 'weight', m.weight), [m.channels], `${ctx.pathOf(m)}.scale`);
  return [ctx.op1('Mul', [x, scale], {}, ctx.pathOf(m))];
}

/** q, k and v each half computed by a Linear and half by a cheap operation on it, then multi-head attention and proj. */
export function emitGhostAttention(m: GhostAttention, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const ghost = (lin: Linear, cheap: CheapOperation, name: string) => {
    const h = ctx.emit1(lin, x);
    return ctx.op1('Concat', [h, ctx.emit1(cheap, h)], { axis: 2 }, `${path}.${name}_ghost`);
  };
  const q = ghost(m.q, m.cheap_operation_q, 'q');
  const k = ghost(m.k, m.cheap_operation_k, 'k');
  const v = ghost(m.v, m.cheap_operation_v, 'v');
  const width = 2 * m.q.outFeatures;
  return [ctx.emit1(m.proj, multiHead(ctx, q, k, v, width, m.numHeads, m.scale, path))];
}

/** `fc1`, GELU, the cheap operations on it each followed by GELU, concatenated, `fc2`. */
export function emitGhostMlp(m: GhostMlp, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const x1 = ctx.gelu(ctx.emit1(m.fc1, x), `${path}.act`);
  const parts = [x1, ...m.cheap.map((c) => ctx.gelu(ctx.emit1(c, x1)))];
  const h = parts.length > 1 ? ctx.op1('Concat', parts, { axis: 2 }, `${path}.ghost`) : x1;
  return [ctx.emit1(m.fc2, h)];
}

/** Pre-norm residual block with the design's attention and MLP. */
export function emitDesignBlock(m: DesignBlock, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const h = ctx.op1('Add', [x, ctx.emit1(m.attn, ctx.emit1(m.norm1, x))], {}, `${path}.attn_residual`);
  return [ctx.op1('Add', [h, ctx.emit1(m.mlp, ctx.emit1(m.norm2, h))], {}, path)];
}

/** A pre-norm block, then `dense_linear` of its output concatenated after the block's input (width + growthRate). */
export function emitDenseBlock(m: DenseBlock, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  let h = ctx.op1('Add', [x, ctx.emit1(m.attn, ctx.emit1(m.norm1, x))], {}, `${path}.attn_residual`);
  h = ctx.op1('Add', [h, ctx.emit1(m.mlp, ctx.emit1(m.norm2, h))], {}, `${path}.mlp_residual`);
  return [ctx.op1('Concat', [x, ctx.emit1(m.dense_linear, h)], { axis: 2 }, path)];
}

/** DenseNet transition: `GELU(Linear(x))`. */
export function emitTransition(m: Transition, [x]: string[], ctx: ExportContext): string[] {
  return [ctx.gelu(ctx.emit1(m.linear, x), ctx.pathOf(m))];
}

export const t2tDesignsOnnx: OnnxPlugin = {
  name: 't2t-designs',
  register(e) {
    const owner = '@vitkit/backbones';
    e.register(SELayer, emitSELayer, owner);
    e.register(SEAttention, emitSEAttention, owner);
    e.register(CheapOperation, emitCheapOperation, owner);
    e.register(GhostAttention, emitGhostAttention, owner);
    e.register(GhostMlp, emitGhostMlp, owner);
    e.register(DesignBlock, emitDesignBlock, owner);
    e.register(DenseBlock, emitDenseBlock, owner);
    e.register(Transition, emitTransition, owner);
  },
};
