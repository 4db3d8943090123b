import { createRegistry, manualSeed, selectBackend, tf } from '@vitkit/core';
import { expectGradientsMatch, maxAbsDiff, seededValues } from '@vitkit/core/testing';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin } from '../plugin';
import { ConvSegHead } from './conv-seg-head';
import { SemanticFpnHead } from './semantic-fpn-head';
import { resizeBilinear } from './upsample';

const registry = () => createRegistry({ plugins: [tokenizers, plugin] });

describe('segmentation heads', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('semantic-fpn: Detectron2 names, one conv stage per halving down to 1/4', () => {
    const head = registry().build('seg-head', { type: 'semantic-fpn', inChannels: [4, 4, 4, 4], strides: [4, 8, 16, 32], numClasses: 3, convDims: 4, groups: 2 }) as SemanticFpnHead;
    const names = head.namedParameters().map(([n]) => n);
    expect(names.filter((n) => n.endsWith('.weight') && !n.includes('norm'))).toEqual(['p2.0.weight', 'p3.0.weight', 'p4.0.weight', 'p4.2.weight', 'p5.0.weight', 'p5.2.weight', 'p5.4.weight', 'predictor.weight']);
    expect(names).toContain('p5.4.norm.bias');
    head.dispose();
  });

  it('semantic-fpn: conv + GroupNorm + ReLU, sum at 1/4, 1×1 predictor, bilinear upsample (hand-computed)', () => {
    const head = registry().build('seg-head', { type: 'semantic-fpn', inChannels: [1, 1], strides: [4, 8], numClasses: 1, convDims: 1, groups: 1 }) as SemanticFpnHead;
    const set = (name: string, v: number[]) => {
      const p = head.namedParameters().find(([n]) => n === name)![1].variable;
      p.assign(tf.tensor(v, p.shape));
    };
    set('p2.0.weight', [0, 0, 0, 0, 1, 0, 0, 0, 0]); // identity 3×3
    set('predictor.weight', [2]);
    set('predictor.bias', [0.5]);
    // Level 1/4: a 2×1 map [0, 2] → GroupNorm → [−1, 1]·(1/√(1 + 1e-5)) → ReLU → [0, ~1].
    // Level 1/8: a single pixel normalises to 0 and contributes nothing.
    const y = head.forward([tf.tensor4d([0, 2], [1, 2, 1, 1]), tf.tensor4d([3], [1, 1, 1, 1])], [8, 4]);
    expect(y.shape).toEqual([1, 8, 4, 1]);
    const one = 1 / Math.sqrt(1 + 1e-5);
    const top = 0.5;
    const bottom = 0.5 + 2 * one;
    // Rows from 2 source rows to 8 (PyTorch align_corners=False): source row (i + 0.5)/4 − 0.5, clamped to [0, 1].
    const rows = [0, 0, 0.125, 0.375, 0.625, 0.875, 1, 1].map((t) => top + (bottom - top) * t);
    expect(maxAbsDiff(y.dataSync(), rows.flatMap((r) => [r, r, r, r]))).toBeLessThan(1e-5);
    tf.dispose(y);
    head.dispose();
  });

  it('conv1x1: a 1×1 conv on the finest map, upsampled to the output size', () => {
    const head = registry().build('seg-head', { type: 'conv1x1', inChannels: [2, 5], numClasses: 1 }) as ConvSegHead;
    head.conv.weight.variable.assign(tf.tensor4d([1, -1], [1, 1, 2, 1]));
    head.conv.bias!.variable.assign(tf.tensor1d([0.25]));
    const y = head.forward([tf.tensor4d([3, 1], [1, 1, 1, 2]), tf.zeros([1, 1, 1, 5]) as tf.Tensor4D], [2, 3]);
    expect(Array.from(y.dataSync())).toEqual(new Array(6).fill(2.25));
    tf.dispose(y);
    head.dispose();
  });

  it('semantic-fpn has numerically correct gradients', () => {
    manualSeed(2);
    const head = registry().build('seg-head', { type: 'semantic-fpn', inChannels: [3, 3], strides: [4, 8], numClasses: 2, convDims: 4, groups: 2 }) as SemanticFpnHead;
    const a = tf.variable(tf.tensor4d(seededValues(4 * 4 * 3, 1), [1, 4, 4, 3]));
    const b = tf.variable(tf.tensor4d(seededValues(2 * 2 * 3, 2), [1, 2, 2, 3]));
    const params = Object.fromEntries(head.namedParameters().map(([n, p]) => [n, p.variable]));
    // A small step: ReLU after GroupNorm leaves many values near its kink, which a 1e-2 step would cross.
    expectGradientsMatch(() => head.forward([a, b], [16, 16]), { a, b, ...params }, { maxPerTensor: 6, eps: 2e-3 });
    tf.dispose([a, b]);
    head.dispose();
  });
});

describe('resizeBilinear', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('equals tfjs\' half-pixel bilinear resize (PyTorch align_corners=False) up and down', () => {
    const x = tf.tensor4d(seededValues(2 * 3 * 5 * 2, 4), [2, 3, 5, 2]);
    for (const size of [[6, 10], [7, 3], [1, 1], [3, 5]] as const) {
      const ours = resizeBilinear(x, size);
      const ref = tf.image.resizeBilinear(x, [size[0], size[1]], false, true);
      expect(maxAbsDiff(ours.dataSync(), ref.dataSync())).toBeLessThan(1e-6);
      tf.dispose([ours, ref]);
    }
    x.dispose();
  });

  it('has the exact gradient (tfjs\' own ResizeBilinearGrad ignores halfPixelCenters)', () => {
    const x = tf.variable(tf.tensor4d(seededValues(1 * 3 * 2 * 2, 6), [1, 3, 2, 2]));
    expectGradientsMatch(() => resizeBilinear(x, [7, 4]), { x });
    x.dispose();
  });
});
