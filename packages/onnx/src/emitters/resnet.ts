import { BasicBlock, Bottleneck, ResNet, ResNetStem } from '@vitkit/backbones';
import type { ExportContext } from '../context';
import type { OnnxPlugin } from '../registry';
import { emitHeads } from './core';

/** torchvision stem: conv1 → bn1 → ReLU → max-pool 3×3/2 pad 1 (padding never wins a max, as with −∞). */
export function emitResNetStem(stem: ResNetStem, x: string, ctx: ExportContext): string {
  const y = ctx.op1('Relu', [ctx.emit1(stem.bn1, ctx.emit1(stem.conv1, x))]);
  const pooled = ctx.op1('MaxPool', [ctx.transpose(y, [0, 3, 1, 2])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'maxpool.nchw');
  return ctx.transpose(pooled, [0, 2, 3, 1], 'maxpool');
}

function residual(ctx: ExportContext, out: string, x: string, m: BasicBlock | Bottleneck): string {
  const identity = m.downsample ? ctx.emit1(m.downsample, x) : x;
  return ctx.op1('Relu', [ctx.op1('Add', [out, identity])], {}, ctx.pathOf(m));
}

export function emitBasicBlock(m: BasicBlock, [x]: string[], ctx: ExportContext): string[] {
  const out = ctx.op1('Relu', [ctx.emit1(m.bn1, ctx.emit1(m.conv1, x))]);
  return [residual(ctx, ctx.emit1(m.bn2, ctx.emit1(m.conv2, out)), x, m)];
}

export function emitBottleneck(m: Bottleneck, [x]: string[], ctx: ExportContext): string[] {
  let out = ctx.op1('Relu', [ctx.emit1(m.bn1, ctx.emit1(m.conv1, x))]);
  out = ctx.op1('Relu', [ctx.emit1(m.bn2, ctx.emit1(m.conv2, out))]);
  return [residual(ctx, ctx.emit1(m.bn3, ctx.emit1(m.conv3, out)), x, m)];
}

export function emitResNet(m: ResNet, [x]: string[], ctx: ExportContext): string[] {
  let h = emitResNetStem(m.stem, x, ctx);
  for (const l of m.layers) h = ctx.emit1(l, h);
  const pooled = ctx.op1('ReduceMean', [h], { axes: [1, 2], keepdims: 0 }, 'pooled');
  return [emitHeads(m, [pooled], ctx)];
}

export const resnetOnnx: OnnxPlugin = {
  name: 'resnet',
  register(e) {
    e.register(BasicBlock, emitBasicBlock, '@vitkit/backbones');
    e.register(Bottleneck, emitBottleneck, '@vitkit/backbones');
    e.register(ResNet, emitResNet, '@vitkit/backbones');
  },
};
