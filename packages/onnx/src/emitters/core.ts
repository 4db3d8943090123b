import {
  Attention,
  BatchNorm2d,
  Block,
  Classifier,
  Conv2d,
  DropPath,
  Dropout,
  GELU,
  Identity,
  LayerNorm,
  Linear,
  Mlp,
  ReLU,
  Sequential,
} from '@vitkit/core';
import type { ExportContext } from '../context';
import type { OnnxPlugin } from '../registry';

/** `x·W + b` on the last axis (vitkit stores W as `[in, out]`, so MatMul takes it as it is). */
export function emitLinear(m: Linear, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const y = ctx.op1('MatMul', [x, ctx.param(m, 'weight', m.weight)], {}, `${path}.matmul`);
  return [m.bias ? ctx.op1('Add', [y, ctx.param(m, 'bias', m.bias)], {}, path) : y];
}

export function emitLayerNorm(m: LayerNorm, [x]: string[], ctx: ExportContext): string[] {
  return [ctx.op1('LayerNormalization', [x, ctx.param(m, 'weight', m.weight), ctx.param(m, 'bias', m.bias)], { axis: -1, epsilon: { float: m.eps } }, ctx.pathOf(m))];
}

/** NHWC in and out around an NCHW `Conv` (onnxruntime's transpose optimizer cancels back-to-back transposes). */
export function emitConv2d(m: Conv2d, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const p = m.padding;
  const inputs = [ctx.transpose(x, [0, 3, 1, 2]), ctx.param(m, 'weight', m.weight, 'hwio-to-oihw')];
  if (m.bias) inputs.push(ctx.param(m, 'bias', m.bias));
  const k = m.kernelSize;
  const y = ctx.op1('Conv', inputs, { kernel_shape: [k, k], strides: [m.stride, m.stride], pads: [p, p, p, p] }, `${path}.nchw`);
  return [ctx.transpose(y, [0, 2, 3, 1], path)];
}

/** Eval-mode BatchNorm on the last (channel) axis, folded to `x·scale + shift` in float64. */
export function emitBatchNorm2d(m: BatchNorm2d, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const [w, b, mean, variance] = [m.weight.variable, m.bias.variable, m.runningMean, m.runningVar].map((v) => v.dataSync());
  const n = m.numFeatures;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const s = w[c] / Math.sqrt(variance[c] + m.eps);
    scale[c] = s;
    shift[c] = b[c] - mean[c] * s;
  }
  const y = ctx.op1('Mul', [x, ctx.initializer(`${path}.scale`, { data: scale, dims: [n] })]);
  return [ctx.op1('Add', [y, ctx.initializer(`${path}.shift`, { data: shift, dims: [n] })], {}, path)];
}

/** Dropout, DropPath and Identity are the identity at inference. */
export const emitIdentity = (_m: unknown, inputs: string[]): string[] => inputs;

export function emitSequential(m: Sequential, [x]: string[], ctx: ExportContext): string[] {
  return [m.layers.reduce((h, l) => ctx.emit1(l, h), x)];
}

/** timm `Attention`: fused qkv, heads split, softmax(q·kᵀ·scale)·v, heads merged, proj. */
export function emitAttention(m: Attention, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const c = m.dim;
  const h = m.numHeads;
  const d = c / h;
  const qkv = ctx.emit1(m.qkv, x);
  const [q, k, v] = ctx.op('Split', [qkv, ctx.int64s([c, c, c])], { axis: 2 }, `${path}.qkv_split`, 3).map((t) => ctx.reshape(t, [0, 0, h, d]));
  const out = attend(ctx, ctx.transpose(q, [0, 2, 1, 3]), ctx.transpose(k, [0, 2, 3, 1]), ctx.transpose(v, [0, 2, 1, 3]), m.scale, path);
  const merged = ctx.reshape(ctx.transpose(out, [0, 2, 1, 3]), [0, 0, c], `${path}.merged`);
  return [ctx.emit1(m.proj, merged)];
}

/** softmax(q·kT·scale)·v with kT already transposed (`[..., d, Nk]`). */
export function attend(ctx: ExportContext, q: string, kT: string, v: string, scale: number, path: string): string {
  const scores = ctx.op1('MatMul', [q, kT]);
  const scaled = scale === 1 ? scores : ctx.op1('Mul', [scores, ctx.scalar(scale)]);
  const attn = ctx.op1('Softmax', [scaled], { axis: -1 }, `${path}.attn`);
  return ctx.op1('MatMul', [attn, v], {}, `${path}.context`);
}

export function emitMlp(m: Mlp, [x]: string[], ctx: ExportContext): string[] {
  const act = (m as unknown as { act: GELU | ReLU }).act;
  return [ctx.emit1(m.fc2, ctx.emit1(act, ctx.emit1(m.fc1, x)))];
}

export function emitBlock(m: Block, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const h = ctx.op1('Add', [x, ctx.emit1(m.attn, ctx.emit1(m.norm1, x))], {}, `${path}.attn_residual`);
  return [ctx.op1('Add', [h, ctx.emit1(m.mlp, ctx.emit1(m.norm2, h))], {}, path)];
}

/**
 * The head(s) of a `Classifier` on its pooled features: one head's logits, or the mean of the per-branch heads'
 * logits (CrossViT), as `Classifier.forward` computes them.
 */
export function emitHeads(model: Classifier, features: string[], ctx: ExportContext): string {
  const heads = model.heads;
  if (heads.length !== features.length) throw new Error(`${model.constructor.name}: ${features.length} feature vectors for ${heads.length} heads`);
  const logits = features.map((f, i) => ctx.emit1(heads[i], f));
  if (logits.length === 1) return logits[0];
  return ctx.op1('Div', [ctx.op1('Sum', logits), ctx.scalar(logits.length)], {}, 'logits_mean');
}

/** Emitters of `@vitkit/core`'s layers. */
export const coreOnnx: OnnxPlugin = {
  name: '@vitkit/core',
  register(e) {
    const owner = '@vitkit/core';
    e.register(Linear, emitLinear, owner);
    e.register(LayerNorm, emitLayerNorm, owner);
    e.register(Conv2d, emitConv2d, owner);
    e.register(BatchNorm2d, emitBatchNorm2d, owner);
    e.register(GELU, (_m, [x], ctx) => [ctx.gelu(x, ctx.pathOf(_m))], owner);
    e.register(ReLU, (_m, [x], ctx) => [ctx.op1('Relu', [x], {}, ctx.pathOf(_m))], owner);
    e.register(Dropout, emitIdentity, owner);
    e.register(DropPath, emitIdentity, owner);
    e.register(Identity, emitIdentity, owner);
    e.register(Sequential, emitSequential, owner);
    e.register(Attention, emitAttention, owner);
    e.register(Mlp, emitMlp, owner);
    e.register(Block, emitBlock, owner);
  },
};
