import { bilinearTaps, ConvGnRelu, ConvSegHead, Fpn, nearestTaps, ResNet, SemanticFpnHead, Segmenter, Upsample2x, VtFpn, VtResNet } from '@vitkit/backbones';
import { GroupNorm, tf } from '@vitkit/core';
import type { Module } from '@vitkit/core';
import type { ExportContext } from '../context';
import { OnnxExportError } from '../registry';
import type { OnnxPlugin } from '../registry';
import { emitConv2d } from './core';
import { emitResNetStem } from './resnet';

// Feature maps stay NHWC, as in vitkit. Every resize is written as the Gathers (and lerp) vitkit computes, with the
// same source rows (bilinearTaps / nearestTaps): exact, and independent of how a runtime reads Resize's
// coordinate modes. That needs static spatial sizes, recorded with setShape from one probe forward.

const AXES = { rows: 1, cols: 2 } as const;

function gather(ctx: ExportContext, x: string, indices: number[], axis: number): string {
  return ctx.op1('Gather', [x, ctx.int64s(indices)], { axis });
}

/** vitkit's `resizeNearest` on a map of static size `[h, w]`. */
export function nearest(ctx: ExportContext, x: string, [h, w]: readonly number[], [th, tw]: readonly number[], hint: string): string {
  let y = h === th ? x : gather(ctx, x, nearestTaps(h, th), AXES.rows);
  y = w === tw ? y : gather(ctx, y, nearestTaps(w, tw), AXES.cols);
  return ctx.op1('Identity', [y], {}, hint);
}

function lerpAxis(ctx: ExportContext, x: string, n: number, m: number, axis: 1 | 2): string {
  if (n === m) return x;
  const { lo, hi, frac } = bilinearTaps(n, m);
  const shape = axis === AXES.rows ? [1, m, 1, 1] : [1, 1, m, 1];
  const f = ctx.initializer(`resize.frac_${axis}_${n}to${m}`, { data: Float32Array.from(frac), dims: shape });
  const a = gather(ctx, x, lo, axis);
  const b = gather(ctx, x, hi, axis);
  return ctx.op1('Add', [a, ctx.op1('Mul', [ctx.op1('Sub', [b, a]), f])]);
}

/** vitkit's `resizeBilinear` (PyTorch align_corners=False) on a map of static size `[h, w]`. */
export function bilinear(ctx: ExportContext, x: string, [h, w]: readonly number[], [th, tw]: readonly number[], hint: string): string {
  return ctx.op1('Identity', [lerpAxis(ctx, lerpAxis(ctx, x, h, th, AXES.rows), w, tw, AXES.cols)], {}, hint);
}

/** GroupNorm on NHWC: statistics over (H·W, C/G) per group, population variance, as vitkit's moments. */
export function emitGroupNorm(m: GroupNorm, [x]: string[], ctx: ExportContext): string[] {
  const path = ctx.pathOf(m);
  const g = m.numGroups;
  const c = m.numChannels;
  const shape = ctx.op1('Shape', [x]);
  const xg = ctx.reshape(x, [0, -1, g, c / g], `${path}.grouped`);
  const mean = ctx.op1('ReduceMean', [xg], { axes: [1, 3], keepdims: 1 });
  const d = ctx.op1('Sub', [xg, mean]);
  const variance = ctx.op1('ReduceMean', [ctx.op1('Mul', [d, d])], { axes: [1, 3], keepdims: 1 });
  const normed = ctx.op1('Div', [d, ctx.op1('Sqrt', [ctx.op1('Add', [variance, ctx.scalar(m.eps)])])]);
  const back = ctx.op1('Reshape', [normed, shape]);
  return [ctx.op1('Add', [ctx.op1('Mul', [back, ctx.param(m, 'weight', m.weight)]), ctx.param(m, 'bias', m.bias)], {}, path)];
}

/** 3×3 conv (stride 1, pad 1: same size), GroupNorm, ReLU; records its output's static size for what follows. */
export function emitConvGnRelu(m: ConvGnRelu, [x]: string[], ctx: ExportContext): string[] {
  const [, h, w] = ctx.shapeOf(x, m);
  const [y] = emitConv2d(m, [x], ctx);
  return [ctx.setShape(ctx.op1('Relu', [ctx.emit1(m.norm, y)], {}, ctx.pathOf(m)), [0, h, w, m.outChannels])];
}

/** Parameter-free 2× bilinear upsample; its input's static size must be recorded (the head's emitter does). */
export function emitUpsample2x(m: Upsample2x, [x]: string[], ctx: ExportContext): string[] {
  const [, h, w, c] = ctx.shapeOf(x, m);
  const y = bilinear(ctx, x, [h, w], [2 * h, 2 * w], ctx.pathOf(m));
  return [ctx.setShape(y, [0, 2 * h, 2 * w, c])];
}

/** Inputs: the backbone's maps, finest first (shapes recorded); outputs: the pyramid, same sizes. */
export function emitFpn(m: Fpn, features: string[], ctx: ExportContext): string[] {
  const n = features.length;
  const c = m.outChannels[0];
  const shapes = features.map((f) => ctx.shapeOf(f, m));
  const out: string[] = new Array(n);
  let prev = ctx.emit1(m.laterals[n - 1], features[n - 1]);
  let prevSize = shapes[n - 1].slice(1, 3);
  out[n - 1] = ctx.emit1(m.outputs[n - 1], prev);
  for (let i = n - 2; i >= 0; i--) {
    const lateral = ctx.emit1(m.laterals[i], features[i]);
    const size = shapes[i].slice(1, 3);
    prev = ctx.op1('Add', [lateral, nearest(ctx, prev, prevSize, size, `${ctx.pathOf(m)}.top_down${i}`)]);
    prevSize = size;
    out[i] = ctx.emit1(m.outputs[i], prev);
  }
  return out.map((o, i) => ctx.setShape(o, [0, shapes[i][1], shapes[i][2], c]));
}

/** Laterals, a tokenizer per level, one transformer over every level's tokens, a projector per level. */
export function emitVtFpn(m: VtFpn, features: string[], ctx: ExportContext): string[] {
  const c = m.outChannels[0];
  const maps = features.map((f, i) => {
    const [, h, w] = ctx.shapeOf(f, m);
    return ctx.setShape(ctx.emit1(m.laterals[i], f), [0, h, w, c]);
  });
  const tokens = maps.map((x, i) => ctx.emit1(m.tokenizers[i] as unknown as Module, x));
  const related = ctx.emit1(m.transformer, ctx.op1('Concat', tokens, { axis: 1 }));
  const counts = m.tokenizers.map((t) => t.numTokens);
  const perLevel = ctx.op('Split', [related, ctx.int64s(counts)], { axis: 1 }, `${ctx.pathOf(m)}.tokens_per_level`, counts.length);
  return maps.map((x, i) => ctx.emit(m.projectors[i], [x, perLevel[i]])[0]);
}

/** Inputs: the neck's maps, then the image (for the output size); output: logits `[B, H, W, classes]`. */
export function emitSemanticFpnHead(m: SemanticFpnHead, inputs: string[], ctx: ExportContext): string[] {
  const image = inputs[inputs.length - 1];
  const maps = inputs.slice(0, -1);
  const levels = maps.map((f, i) => ctx.emit1(m.scaleHeads[i], f));
  const shapes = levels.map((l) => ctx.shapeOf(l, m));
  const size = shapes[0].slice(1, 3);
  const merged = levels.slice(1).reduce((acc, l, i) => ctx.op1('Add', [acc, bilinear(ctx, l, shapes[i + 1].slice(1, 3), size, `${ctx.pathOf(m)}.level${i + 1}`)]), levels[0]);
  const [, h, w] = ctx.shapeOf(image, m);
  return [bilinear(ctx, ctx.emit1(m.predictor, merged), size, [h, w], ctx.pathOf(m))];
}

export function emitConvSegHead(m: ConvSegHead, inputs: string[], ctx: ExportContext): string[] {
  const image = inputs[inputs.length - 1];
  const [, fh, fw] = ctx.shapeOf(inputs[0], m);
  const [, h, w] = ctx.shapeOf(image, m);
  return [bilinear(ctx, ctx.emit1(m.conv, inputs[0]), [fh, fw], [h, w], ctx.pathOf(m))];
}

/** The backbone's feature maps (ResNet stages 1–4; VT-ResNet C2, C3 and the VT-refined stride-16 map). */
function emitFeatureMaps(backbone: Module, x: string, ctx: ExportContext): string[] {
  if (backbone instanceof ResNet) {
    let h = emitResNetStem(backbone.stem, x, ctx);
    return backbone.layers.map((l) => (h = ctx.emit1(l, h)));
  }
  if (backbone instanceof VtResNet) {
    let h = emitResNetStem(backbone.stem, x, ctx);
    const maps = backbone.layers.map((l) => (h = ctx.emit1(l, h)));
    let fm = maps[2];
    if (backbone.adapter) fm = ctx.op1('Relu', [ctx.emit1(backbone.adapter, fm)], {}, 'vt_in');
    return [maps[0], maps[1], fm];
  }
  throw new OnnxExportError(
    `cannot export to ONNX: the segmentation backbone "${ctx.pathOf(backbone)}" is a ${backbone.constructor.name}; exportable feature-pyramid backbones: ResNet, VtResNet`,
  );
}

/** backbone → neck → head, with every map's static size from one probe forward of the backbone. */
export function emitSegmenter(m: Segmenter, [x]: string[], ctx: ExportContext): string[] {
  const [h, w] = m.config.inputSize;
  const probe = tf.tidy(() => m.backbone.forwardFeatureMaps(tf.zeros([1, h, w, m.config.inChans]) as tf.Tensor4D).map((t) => t.shape));
  ctx.setShape(x, [0, h, w, m.config.inChans]);
  const backbone = m.backbone as unknown as Module;
  let maps = emitFeatureMaps(backbone, x, ctx);
  if (backbone instanceof VtResNet) {
    // the VT modules read the stride-16 map at its static size, then refine it in place
    ctx.setShape(maps[2], [0, probe[2][1], probe[2][2], backbone.channels]);
    let fm = maps[2];
    let tokens: string | undefined;
    for (const vt of backbone.vt.items) [fm, tokens] = ctx.emit(vt, tokens ? [fm, tokens] : [fm]);
    maps = [maps[0], maps[1], fm];
  }
  maps.forEach((map, i) => ctx.setShape(map, [0, probe[i][1], probe[i][2], probe[i][3]]));
  const pyramid = ctx.emit(m.neck as unknown as Module, maps);
  return ctx.emit(m.segHead as unknown as Module, [...pyramid, x]);
}

export const segmentationOnnx: OnnxPlugin = {
  name: 'segmentation',
  register(e) {
    const owner = '@vitkit/backbones';
    e.register(GroupNorm, emitGroupNorm, '@vitkit/core');
    e.register(ConvGnRelu, emitConvGnRelu, owner);
    e.register(Upsample2x, emitUpsample2x, owner);
    e.register(Fpn, emitFpn, owner);
    e.register(VtFpn, emitVtFpn, owner);
    e.register(SemanticFpnHead, emitSemanticFpnHead, owner);
    e.register(ConvSegHead, emitConvSegHead, owner);
    e.register(Segmenter, emitSegmenter, owner);
  },
};
