import { buildSegmenter, GroupNorm, selectBackend, tf } from '@vitkit/core';
import type { Module, ModelSpec } from '@vitkit/core';
import { onnx } from 'onnx-proto';
import { exportOnnx } from './export';
import { OnnxRuntimeSegmenter } from './onnxruntime-segmenter';
import { firstPartyRegistry } from './testing/fixtures';
import { maxAbsDiff, maxDiffAtBatches, randomizeBatchNorms } from './testing/ort';

/** GroupNorm's affine parameters away from 1 and 0, so an export that ignored them would not match. */
function randomizeGroupNorms(model: Module): void {
  let seed = 101;
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof GroupNorm)) continue;
    tf.tidy(() => {
      m.weight.variable.assign(tf.randomUniform([m.numChannels], 0.5, 1.5, 'float32', seed++));
      m.bias.variable.assign(tf.randomUniform([m.numChannels], -0.5, 0.5, 'float32', seed++));
    });
  }
}

const resnet = { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16] };
const vtResnet = { type: 'vt-resnet', layers: [1, 1, 1], widths: [4, 8, 8], tokenChannels: 12, numTokens: 3, vtModules: 2 };
const vtFpn = { type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 };

// Non-square inputs: rows and columns resize with different taps, so a swapped axis would show.
const CASES: Array<[string, ModelSpec]> = [
  ['fpn neck on ResNet, semantic-fpn head', { type: 'segmentation', backbone: resnet, neck: { type: 'fpn', outChannels: 8 }, head: { type: 'semantic-fpn', convDims: 8, groups: 2 }, numClasses: 3, imgSize: [32, 64] }],
  ['vt-fpn neck on ResNet, semantic-fpn head', { type: 'segmentation', backbone: resnet, neck: vtFpn, head: { type: 'semantic-fpn', convDims: 8, groups: 2 }, numClasses: 3, imgSize: [64, 32] }],
  ['fpn neck on VT-ResNet, conv1x1 head', { type: 'segmentation', backbone: vtResnet, neck: { type: 'fpn', outChannels: 8 }, head: 'conv1x1', numClasses: 4, imgSize: [32, 48] }],
  ['vt-fpn neck (clustering tokenizer) on VT-ResNet, semantic-fpn head', { type: 'segmentation', backbone: vtResnet, neck: { ...vtFpn, tokenizer: 'clustering' }, head: { type: 'semantic-fpn', convDims: 8, groups: 4 }, numClasses: 2, imgSize: [48, 32] }],
];

describe('ONNX export of segmentation models, run in onnxruntime-node', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
  });

  it.each(CASES)('%s: per-pixel logits match vitkit to 1e-4 at batch 1 and 2', async (_name, spec) => {
    const model = buildSegmenter(firstPartyRegistry(), spec);
    try {
      randomizeBatchNorms(model);
      randomizeGroupNorms(model);
      const diffs = await maxDiffAtBatches(model, [1, 2]);
      for (const d of diffs) expect(d).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
    }
  });

  it('declares [batch, H, W, classes] as its output and no crop in the preprocessing metadata', () => {
    const model = buildSegmenter(firstPartyRegistry(), CASES[0][1]);
    try {
      const proto = onnx.ModelProto.decode(exportOnnx(model));
      const dims = proto.graph!.output![0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
      expect(dims).toEqual(['batch', 32, 64, 3]);
      const meta = Object.fromEntries(proto.metadataProps!.map((p) => [p.key, p.value]));
      expect(meta['vitkit.crop_pct']).toBe('1');
      expect(meta['vitkit.interpolation']).toBe('bilinear');
      expect(meta['vitkit.model']).toBe('Segmenter');
    } finally {
      model.dispose();
    }
  });

  it('OnnxRuntimeSegmenter serves the model: [batch, H, W, classes] tfjs logits equal to its forward pass', async () => {
    const model = buildSegmenter(firstPartyRegistry(), CASES[1][1]);
    const served = await OnnxRuntimeSegmenter.fromModel(model.eval(), { threads: 1 });
    const x = tf.randomNormal([2, 64, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    try {
      const want = tf.tidy(() => model.forward(x));
      const got = await served.run(x);
      expect(got.shape).toEqual([2, 64, 32, 3]);
      expect(maxAbsDiff(got.dataSync() as Float32Array, want.dataSync() as Float32Array)).toBeLessThanOrEqual(1e-4);
      tf.dispose([want, got]);
    } finally {
      x.dispose();
      await served.release();
      model.dispose();
    }
  });
});
