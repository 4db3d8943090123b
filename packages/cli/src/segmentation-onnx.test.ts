/**
 * @jest-environment ../onnx/jest-environment.js
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { buildSegmenter, saveSafetensors } from '@vitkit/core';
import { useBackend } from '@vitkit/core/testing';
import { createRunRegistry } from './run-setup';
import { fixtureDir, runVitkit, writeJson } from './testing';

// --engine onnxruntime on a segmentation spec: the model exported in memory gives the tfjs engine's scores and masks.
describe('vitkit eval / predict --engine onnxruntime on a segmentation spec (VT-FPN)', () => {
  let dir: string;
  let spec: string;
  let weights: string;
  let png: string;

  beforeAll(async () => {
    await useBackend('cpu');
    dir = await fixtureDir();
    const model = {
      type: 'segmentation',
      backbone: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 8] },
      neck: { type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 },
      head: { type: 'semantic-fpn', convDims: 8, groups: 2 },
      numClasses: 11,
      inChans: 1,
      imgSize: [32, 32],
    };
    spec = await writeJson(path.join(dir, 'seg.json'), {
      task: 'segmentation',
      backend: 'cpu',
      model,
      data: { type: 'mnist-segmentation', size: 32, trainLength: 8, testLength: 3, digits: [1, 2], batchSize: 2 },
      train: { epochs: 1, optimizer: { type: 'sgd', lr: 0.05 }, schedule: { type: 'constant' }, outDir: path.join(dir, 'run') },
    });
    const seg = buildSegmenter(createRunRegistry(), model as never);
    weights = path.join(dir, 'seg.safetensors');
    await saveSafetensors(seg, weights);
    seg.dispose();
    const sharp = require('sharp') as typeof import('sharp');
    png = path.join(dir, 'digits.png');
    await sharp(Buffer.from(Array.from({ length: 32 * 32 }, (_, i) => (i % 7 === 0 ? 255 : (i * 13) % 97))), { raw: { width: 32, height: 32, channels: 1 } }).png().toFile(png);
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('eval: the same mIoU, pixel accuracy and per-class IoU as the tfjs engine', async () => {
    const tfjs = await runVitkit(['eval', '--spec', spec, '--weights', weights, '--json']);
    const onnx = await runVitkit(['eval', '--spec', spec, '--weights', weights, '--json', '--engine', 'onnxruntime']);
    if (tfjs.code !== 0) throw new Error(tfjs.err);
    if (onnx.code !== 0) throw new Error(onnx.err);
    expect(onnx.err).toMatch(/engine onnxruntime/);
    const [a, b] = [JSON.parse(tfjs.out), JSON.parse(onnx.out)];
    expect(b.images).toBe(3);
    expect(b.mIoU).toBeCloseTo(a.mIoU, 6);
    expect(b.pixelAccuracy).toBeCloseTo(a.pixelAccuracy, 6);
    expect(b.perClassIoU).toEqual(a.perClassIoU);
  });

  it('predict: the same coloured mask, pixel for pixel, as the tfjs engine', async () => {
    const sharp = require('sharp') as typeof import('sharp');
    const masks: Buffer[] = [];
    for (const engine of ['tfjs', 'onnxruntime']) {
      const out = path.join(dir, `masks-${engine}`);
      const r = await runVitkit(['predict', '--spec', spec, '--weights', weights, '--engine', engine, '--out', out, '--json', png]);
      if (r.code !== 0) throw new Error(r.err);
      const [m] = JSON.parse(r.out) as Array<{ file: string; mask: string }>;
      expect(m.mask).toBe(path.join(out, 'digits.mask.png'));
      const { data, info } = await sharp(m.mask).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([32, 32, 3]);
      masks.push(data);
    }
    expect(masks[1].equals(masks[0])).toBe(true);
    // Several classes in the mask, so the equality compares per-pixel decisions, not one colour everywhere.
    expect(new Set(Array.from({ length: 32 * 32 }, (_, i) => masks[0].readUIntBE(i * 3, 3))).size).toBeGreaterThan(1);
  });
});
