import { GraphConvInteraction, VtModule, VtProjector, VtResNet, VtTransformer } from '@vitkit/backbones';
import { adaptivePoolMatrix, ClusteringTokenizer, FilterTokenizer, PoolingTokenizer, RecurrentTokenizer, VtTokenizer } from '@vitkit/tokenizers';
import { tf } from '@vitkit/core';
import type { ExportContext } from '../context';
import type { OnnxPlugin } from '../registry';
import { emitHeads } from './core';
import { emitResNetStem } from './resnet';

/** `x / √max(Σx², 1e-24)` on the last axis. */
function l2normalize(ctx: ExportContext, x: string): string {
  const sq = ctx.op1('ReduceSum', [ctx.op1('Mul', [x, x]), ctx.int64s([-1])], { keepdims: 1 });
  return ctx.op1('Div', [x, ctx.op1('Sqrt', [ctx.op1('Max', [sq, ctx.scalar(1e-24)])])]);
}

const transposeLast = (ctx: ExportContext, x: string) => ctx.transpose(x, [0, 2, 1]);

/** The tokens `Aᵀ·X` (then `value`), given the attention `Aᵀ` `[B, L, HW]` and the flattened map `X` `[B, HW, C]`. */
function tokensFrom(m: VtTokenizer, at: string, x3: string, ctx: ExportContext): string {
  const t = ctx.op1('MatMul', [at, x3], {}, `${ctx.pathOf(m)}.tokens`);
  return m.value ? ctx.emit1(m.value, t) : t;
}

function flatten(m: VtTokenizer, x: string, ctx: ExportContext): { x3: string; h: number; w: number } {
  const [, h, w] = ctx.shapeOf(x, m);
  return { x3: ctx.reshape(x, [0, h * w, m.inChannels]), h, w };
}

function poolMatrix(ctx: ExportContext, m: VtTokenizer & { grid: [number, number] }, h: number, w: number): string {
  const [gh, gw] = m.grid;
  return ctx.initializer(`${ctx.pathOf(m)}.pool_${h}x${w}`, { data: adaptivePoolMatrix(h, w, gh, gw), dims: [1, gh * gw, h * w] });
}

export function emitFilterTokenizer(m: FilterTokenizer, [x]: string[], ctx: ExportContext): string[] {
  const { x3 } = flatten(m, x, ctx);
  const at = ctx.op1('Softmax', [transposeLast(ctx, ctx.emit1(m.attn, x3))], { axis: -1 });
  return [tokensFrom(m, at, x3, ctx)];
}

export function emitRecurrentTokenizer(m: RecurrentTokenizer, [x, tIn]: string[], ctx: ExportContext): string[] {
  if (!tIn) throw new Error(`${ctx.pathOf(m)}: the recurrent tokenizer needs the previous VT module's tokens`);
  const { x3 } = flatten(m, x, ctx);
  const at = ctx.op1('Softmax', [ctx.op1('MatMul', [ctx.emit1(m.t2r, tIn), transposeLast(ctx, x3)])], { axis: -1 });
  return [tokensFrom(m, at, x3, ctx)];
}

export function emitPoolingTokenizer(m: PoolingTokenizer, [x]: string[], ctx: ExportContext): string[] {
  const { x3, h, w } = flatten(m, x, ctx);
  return [tokensFrom(m, poolMatrix(ctx, m, h, w), x3, ctx)];
}

/** Centroids from a one-hot assignment; an empty cluster keeps its previous centroid. */
function updateCentroids(ctx: ExportContext, mask: string, x: string, prev: string): string {
  const count = ctx.op1('ReduceSum', [mask, ctx.int64s([2])], { keepdims: 1 });
  const has = ctx.op1('Min', [count, ctx.scalar(1)]);
  const mean = ctx.op1('Div', [ctx.op1('MatMul', [mask, x]), ctx.op1('Max', [count, ctx.scalar(1)])]);
  return ctx.op1('Add', [ctx.op1('Mul', [has, l2normalize(ctx, mean)]), ctx.op1('Mul', [ctx.op1('Sub', [ctx.scalar(1), has]), prev])]);
}

/** Spherical k-means unrolled for the fixed iteration count: ArgMax + one-hot (Equal against 0..L−1) per step. */
export function emitClusteringTokenizer(m: ClusteringTokenizer, [x]: string[], ctx: ExportContext): string[] {
  const { x3, h, w } = flatten(m, x, ctx);
  const l = m.grid[0] * m.grid[1];
  const xn = l2normalize(ctx, x3);
  let u = l2normalize(ctx, ctx.op1('MatMul', [poolMatrix(ctx, m, h, w), xn]));
  if (m.iterations > 0) {
    const ids = ctx.int64s(Array.from({ length: l }, (_, i) => i));
    let mask = '';
    for (let it = 0; it < m.iterations; it++) {
      const assign = ctx.op1('ArgMax', [ctx.op1('MatMul', [xn, transposeLast(ctx, u)])], { axis: 2, keepdims: 1 }); // [B, HW, 1]
      mask = transposeLast(ctx, ctx.op1('Cast', [ctx.op1('Equal', [assign, ids])], { to: 1 })); // [B, L, HW] float
      u = updateCentroids(ctx, mask, xn, u);
    }
  }
  const at = ctx.op1('Softmax', [ctx.op1('MatMul', [u, transposeLast(ctx, x3)])], { axis: -1 });
  return [tokensFrom(m, at, x3, ctx)];
}

export function emitVtTransformer(m: VtTransformer, [t]: string[], ctx: ExportContext): string[] {
  const scores = ctx.op1('MatMul', [ctx.emit1(m.key, t), transposeLast(ctx, ctx.emit1(m.query, t))]);
  const attn = ctx.op1('Softmax', [ctx.op1('Mul', [scores, ctx.scalar(m.scale)])], { axis: -1 });
  const t1 = ctx.op1('Add', [t, ctx.op1('MatMul', [attn, t])]);
  return [ctx.op1('Add', [t1, ctx.emit1(m.f2, ctx.op1('Relu', [ctx.emit1(m.f1, t1)]))], {}, ctx.pathOf(m))];
}

export function emitGraphConv(m: GraphConvInteraction, [t]: string[], ctx: ExportContext): string[] {
  const mixed = transposeLast(ctx, ctx.emit1(m.node, transposeLast(ctx, t)));
  const h = ctx.op1('Add', [t, mixed]);
  return [ctx.op1('Add', [t, ctx.op1('Relu', [ctx.emit1(m.state, h)])], {}, ctx.pathOf(m))];
}

/** Inputs: the NHWC feature map and the tokens; output: the refined map (same shape). */
export function emitVtProjector(m: VtProjector, [x, tokens]: string[], ctx: ExportContext): string[] {
  const c = m.options.channels;
  const x3 = ctx.reshape(x, [0, -1, c]);
  const scores = ctx.op1('MatMul', [ctx.emit1(m.query, x3), transposeLast(ctx, ctx.emit1(m.key, tokens))]);
  const attn = ctx.op1('Softmax', [ctx.op1('Mul', [scores, ctx.scalar(m.scale)])], { axis: -1 });
  const v = m.value ? ctx.emit1(m.value, tokens) : tokens;
  const y = ctx.op1('Reshape', [ctx.op1('Add', [x3, ctx.op1('MatMul', [attn, v])]), ctx.op1('Shape', [x])], {}, ctx.pathOf(m));
  return [ctx.setShape(y, ctx.shapeOf(x, m))];
}

/** Inputs: the map and (after the first module) the previous tokens; outputs: the map and the tokens. */
export function emitVtModule(m: VtModule, [x, tIn]: string[], ctx: ExportContext): string[] {
  let t = ctx.emit(m.tokenizer, tIn ? [x, tIn] : [x])[0];
  if (m.interaction) t = ctx.emit1(m.interaction, t);
  return [m.projector ? ctx.emit(m.projector, [x, t])[0] : x, t];
}

export function emitVtResNet(m: VtResNet, [x]: string[], ctx: ExportContext): string[] {
  // The tokenizers pool over the stage-3 map, whose static size one probe forward gives.
  const [h, w] = m.config.inputSize;
  const probe = tf.tidy(() => m.forwardStages(tf.zeros([1, h, w, m.config.inChans]) as tf.Tensor4D).shape);
  let fm = emitResNetStem(m.stem, x, ctx);
  for (const l of m.layers) fm = ctx.emit1(l, fm);
  if (m.adapter) fm = ctx.op1('Relu', [ctx.emit1(m.adapter, fm)], {}, 'vt_in');
  ctx.setShape(fm, [0, probe[1], probe[2], m.channels]);
  let tokens: string | undefined;
  for (const vt of m.vt.items) [fm, tokens] = ctx.emit(vt, tokens ? [fm, tokens] : [fm]);
  const pooled = ctx.op1('ReduceMean', [tokens!], { axes: [1], keepdims: 0 }, 'pooled');
  return [emitHeads(m, [pooled], ctx)];
}

export const vtResnetOnnx: OnnxPlugin = {
  name: 'vt-resnet',
  register(e) {
    e.register(FilterTokenizer, emitFilterTokenizer, '@vitkit/tokenizers');
    e.register(RecurrentTokenizer, emitRecurrentTokenizer, '@vitkit/tokenizers');
    e.register(PoolingTokenizer, emitPoolingTokenizer, '@vitkit/tokenizers');
    e.register(ClusteringTokenizer, emitClusteringTokenizer, '@vitkit/tokenizers');
    e.register(VtTransformer, emitVtTransformer, '@vitkit/backbones');
    e.register(GraphConvInteraction, emitGraphConv, '@vitkit/backbones');
    e.register(VtProjector, emitVtProjector, '@vitkit/backbones');
    e.register(VtModule, emitVtModule, '@vitkit/backbones');
    e.register(VtResNet, emitVtResNet, '@vitkit/backbones');
  },
};
