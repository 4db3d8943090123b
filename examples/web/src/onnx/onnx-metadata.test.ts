import { buildModel, registryWithPlugins, selectBackend } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { exportOnnx } from '@vitkit/onnx';
import { onnx } from 'onnx-proto';
import { readOnnxPreprocessing, transformOf } from './onnx-metadata';

const TINY_VIT = { type: 'vit', imgSize: 32, numClasses: 10, embedDim: 16, depth: 1, numHeads: 2, tokenizer: { type: 'patch', patchSize: 8 } };

function exported(preprocessing = {}): Uint8Array {
  const model = buildModel(registryWithPlugins([tokenizers, backbones]), TINY_VIT);
  try {
    return exportOnnx(model.eval(), { preprocessing });
  } finally {
    model.dispose();
  }
}

describe("the ONNX tab reads the preprocessing vitkit's exporter writes", () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it("a ViT's file: timm's ViT evaluation (bicubic, crop 0.9, ImageNet statistics) as core's eval transform", () => {
    const p = readOnnxPreprocessing(exported());
    expect(p).toMatchObject({ inputSize: [32, 32], interpolation: 'bicubic', cropPct: 0.9, model: 'VisionTransformer' });
    expect(p.mean).toEqual([0.485, 0.456, 0.406]);
    expect(transformOf(p)).toMatchObject({ resize: 35, crop: 32, interpolation: 'bicubic', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  });

  it('overrides written at export reach the transform', () => {
    const p = readOnnxPreprocessing(exported({ cropPct: 0.875, interpolation: 'bilinear', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }));
    expect(transformOf(p)).toMatchObject({ resize: 36, crop: 32, interpolation: 'bilinear', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
  });

  it('bytes that are not ONNX, and an ONNX file without vitkit metadata, fail saying what is wrong', () => {
    expect(() => readOnnxPreprocessing(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(/not an ONNX model/);
    const foreign = onnx.ModelProto.encode({ irVersion: 8, graph: { name: 'g' } }).finish();
    expect(() => readOnnxPreprocessing(foreign)).toThrow(/vitkit\.interpolation/);
  });

  it('a non-square or single-channel model is refused by the tab with the reason', () => {
    const p = readOnnxPreprocessing(exported());
    expect(() => transformOf({ ...p, inputSize: [32, 64] })).toThrow(/32×64 images; this tab feeds square center crops/);
    expect(() => transformOf({ ...p, mean: [0.5], std: [0.5] })).toThrow(/1-channel images/);
  });
});
