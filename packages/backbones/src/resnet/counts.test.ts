import * as fs from 'fs';
import * as path from 'path';
import { buildModel, countMacs, createRegistry, selectBackend, tf } from '@vitkit/core';
import { registerResNet } from './index';
import { sharedDir } from '@vitkit/core/testing';

const SHARED = sharedDir();
const COUNTS = JSON.parse(fs.readFileSync(path.join(SHARED, 'reference/counts.json'), 'utf8')) as Record<string, { params_total: number; macs_matmul_conv: number }>;

function registry() {
  const r = createRegistry();
  registerResNet(r);
  return r;
}

describe('resnet counts (torchvision)', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));
  it.each([
    ['resnet18', 'ResNet-18'],
    ['resnet34', 'ResNet-34'],
    ['resnet50', 'ResNet-50'],
    ['resnet101', 'ResNet-101'],
  ])('%s has exactly torchvision\'s parameter count and conv+linear MACs', (preset, ref) => {
    const model = buildModel(registry(), preset);
    expect(model.countParameters().total).toBe(COUNTS[ref].params_total);
    // MACs at 224 counted on the forward path (batch 1). A 224 px forward is slow on a shared machine: every
    // conv output side is exactly 1/stride of the input side for multiples of 32, so conv MACs at 224 are 49×
    // those at 32 px, and the fc cost does not depend on the size. No matmul outside Conv2d/Linear.
    model.eval();
    const { macs } = countMacs(() => tf.tidy(() => model.forward(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D).dataSync()));
    expect([...macs.byKind.keys()].sort()).toEqual(['conv', 'linear']);
    expect(macs.byKind.get('conv')! * 49 + macs.byKind.get('linear')!).toBe(COUNTS[ref].macs_matmul_conv);
    model.dispose();
  });
});
