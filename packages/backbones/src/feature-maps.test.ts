import { buildModel, createRegistry, FEATURE_PYRAMID_BACKBONE, manualSeed, selectBackend, tf } from '@vitkit/core';
import { maxAbsDiff } from '@vitkit/core/testing';
import type { FeaturePyramidBackbone } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin } from './plugin';
import { ResNet, resnetFeatureChannels } from './resnet';
import { VtResNet } from './vt-resnet';

function registry() {
  return createRegistry({ plugins: [tokenizers, plugin] });
}

describe('feature pyramid backbones', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('ResNet exposes C2–C5 at strides 4..32; C5 is the map the classifier pools', () => {
    manualSeed(3);
    const model = buildModel(registry(), { type: 'resnet', block: 'bottleneck', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16], imgSize: 64, numClasses: 3 }) as ResNet;
    model.eval();
    expect(FEATURE_PYRAMID_BACKBONE.check(model)).toEqual([]);
    expect(model.featureChannels).toEqual([16, 32, 32, 64]);
    expect(resnetFeatureChannels('bottleneck', [4, 8, 8, 16])).toEqual(model.featureChannels);
    expect(model.featureStrides).toEqual([4, 8, 16, 32]);
    const x = tf.randomNormal([2, 64, 96, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const maps = model.forwardFeatureMaps(x);
    expect(tf.memory().numTensors - before).toBe(4);
    expect(maps.map((m) => m.shape)).toEqual([
      [2, 16, 24, 16],
      [2, 8, 12, 32],
      [2, 4, 6, 32],
      [2, 2, 3, 64],
    ]);
    const c5 = model.forwardFeatures(x);
    expect(maxAbsDiff(maps[3].dataSync(), c5.dataSync())).toBe(0);
    tf.dispose([...maps, c5, x]);
    model.dispose();
  });

  it('adding the feature maps leaves the presets\' parameter names untouched', () => {
    const model = buildModel(registry(), { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 4, 4, 4], imgSize: 32, numClasses: 2 });
    expect(model.namedParameters().map(([n]) => n).filter((n) => !/^(conv1|bn1|layer[1-4]\.|fc\.)/.test(n))).toEqual([]);
    model.dispose();
  });

  it('VT-ResNet exposes C2, C3 and the VT-refined stride-16 map', () => {
    manualSeed(4);
    const model = buildModel(registry(), {
      type: 'vt-resnet', block: 'basic', layers: [1, 1, 1], widths: [4, 8, 16], vtModules: 2, tokenChannels: 16, numTokens: 4, imgSize: 32, numClasses: 5, projectLast: true,
    }) as VtResNet;
    model.eval();
    const fp: FeaturePyramidBackbone = model;
    expect(fp.featureChannels).toEqual([4, 8, 16]);
    expect(fp.featureStrides).toEqual([4, 8, 16]);
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const maps = fp.forwardFeatureMaps(x);
    expect(maps.map((m) => m.shape)).toEqual([
      [1, 8, 8, 4],
      [1, 4, 4, 8],
      [1, 2, 2, 16],
    ]);
    const ref = model.forwardFeatures(x);
    expect(maxAbsDiff(maps[2].dataSync(), ref.x.dataSync())).toBe(0);
    tf.dispose([...maps, ref.x, ref.tokens, x]);
    model.dispose();
  });
});
