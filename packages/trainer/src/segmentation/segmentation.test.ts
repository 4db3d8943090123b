import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSegmenter, createRegistry, loadSafetensorsInto, readSafetensors, selectBackend, tf } from '@vitkit/core';
import { expectGradientsMatch, seededValues } from '@vitkit/core/testing';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { classColor, decodeImageFile, MnistSegmentationDataset, plugin as data } from '@vitkit/data';
import { trainerPlugin } from '../components';
import { Trainer } from '../trainer';
import { train } from '../train';
import { segmentationResult } from '../testing/results';
import { tinySegmenter, tinySegmentationSpec } from '../testing/tiny-segmentation';
import { evaluateSegmentation } from './evaluate';
import { pixelCrossEntropy } from './loss';
import { ConfusionMatrix } from './metrics';
import { predictMaskPng } from './predict';
import { parseSegmentationSpec, runSegmentationSpec } from './run-spec';

const registry = () => createRegistry({ plugins: [tokenizers, backbones, data, trainerPlugin] });
describe('segmentation training parts', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('pixelCrossEntropy: mean −log p(label) over the labelled pixels; 255 is skipped (hand-computed)', () => {
    // Two pixels, two classes. Pixel 0: logits [0, ln 3] → p = [1/4, 3/4], label 1 → −ln 0.75. Pixel 1 is ignored.
    const logits = tf.tensor4d([0, Math.log(3), 5, -5], [1, 1, 2, 2]);
    const loss = pixelCrossEntropy(logits, Int32Array.from([1, 255]));
    expect(loss.dataSync()[0]).toBeCloseTo(-Math.log(0.75), 6);
    const all = pixelCrossEntropy(logits, Int32Array.from([255, 255]));
    expect(Math.abs(all.dataSync()[0])).toBe(0);
    expect(() => pixelCrossEntropy(logits, Int32Array.from([1]))).toThrow('pixelCrossEntropy: 1 labels for 1x1x2 logits');
    tf.dispose([logits, loss, all]);
  });

  it('pixelCrossEntropy has numerically correct gradients (and none for ignored pixels)', () => {
    const x = tf.variable(tf.tensor4d(seededValues(2 * 2 * 3 * 4, 3, 2), [2, 2, 3, 4]));
    const labels = Int32Array.from({ length: 12 }, (_, i) => (i % 5 === 0 ? 255 : i % 4));
    expectGradientsMatch(() => pixelCrossEntropy(x, labels), { x });
    const g = tf.grad((t: tf.Tensor) => pixelCrossEntropy(t as tf.Tensor4D, labels))(x);
    const gd = g.dataSync();
    for (let p = 0; p < 12; p++) if (labels[p] === 255) expect(Math.max(...Array.from(gd.slice(p * 4, p * 4 + 4), Math.abs))).toBe(0);
    tf.dispose([x, g]);
  });

  it('ConfusionMatrix: mIoU, pixel accuracy and per-class IoU on a hand-computed case', () => {
    const cm = new ConfusionMatrix(3);
    // labels 0 0 1 1 2 255; predictions 0 1 1 1 0 2
    cm.update([0, 1, 1, 1, 0, 2], [0, 0, 1, 1, 2, 255]);
    const s = cm.scores();
    // class 0: tp 1, fn 1, fp 1 → 1/3; class 1: tp 2, fp 1 → 2/3; class 2: tp 0, fn 1 → 0
    expect(s.perClassIoU[0]).toBeCloseTo(1 / 3, 12);
    expect(s.perClassIoU[1]).toBeCloseTo(2 / 3, 12);
    expect(s.perClassIoU[2]).toBe(0);
    expect(s.mIoU).toBeCloseTo(1 / 3, 12);
    expect(s.pixelAccuracy).toBeCloseTo(3 / 5, 12);
    expect(s.pixels).toBe(5);
    const empty = new ConfusionMatrix(4);
    empty.update([1], [1]);
    expect(empty.scores().perClassIoU).toEqual([null, 1, null, null]);
    expect(() => cm.update([7], [0])).toThrow(/label 0 or prediction 7 at pixel 0 is not a class of 3/);
  });
});

describe('segmentation through the shared trainer: metrics, predict, report', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('trains a tiny VT-FPN: metrics.jsonl has train lines and eval lines with mIoU, pixel accuracy and per-class IoU; tensors do not pile up; predict writes a coloured PNG; the report shows masks, attention and curves', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-segfit-'));
    const t = await Trainer.create(tinySegmentationSpec(dir, { train: { logEvery: 2 } }), { registry: registry(), progress: null, log: () => undefined });
    // Every step leaves as many tensors as the one before (the first makes the optimizer's momentum buffers).
    const counts: number[] = [];
    for await (const b of t.data.train.iterate({ epoch: 0, batch: 0 })) {
      await t.trainStep(b.x, b.y, b.labels);
      b.x.dispose();
      counts.push(tf.memory().numTensors);
      if (counts.length === 4) break;
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    t.dispose();

    const r = segmentationResult(await train(tinySegmentationSpec(dir), { registry: registry(), progress: null, log: () => undefined }));
    expect(r.step).toBe(8);
    const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const trainLines = lines.filter((l) => l.type === 'train');
    const evalLines = lines.filter((l) => l.type === 'eval');
    expect(trainLines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(evalLines.map((l) => l.step)).toEqual([4, 8]);
    for (const l of trainLines) expect((l.acc as number) >= 0 && (l.acc as number) <= 1).toBe(true);
    for (const l of evalLines) {
      expect(l.set).toBe('test');
      expect(l.mIoU).toBeGreaterThanOrEqual(0);
      expect(l.pixelAccuracy).toBeGreaterThan(0);
      expect((l.perClassIoU as unknown[]).length).toBe(11);
      expect(Number.isFinite(l.loss)).toBe(true);
    }
    expect(trainLines[0].loss as number).toBeGreaterThan(trainLines[7].loss as number);
    expect(r.final!.mIoU).toBe(evalLines[1].mIoU);
    const evalJson = JSON.parse(fs.readFileSync(path.join(dir, 'eval.json'), 'utf8')) as { set: string; mIoU: number };
    expect(evalJson).toMatchObject({ set: 'test', mIoU: r.final!.mIoU });

    const reg = registry();
    const model = buildSegmenter(reg, tinySegmenter());
    await loadSafetensorsInto(model, path.join(dir, 'model.safetensors'));
    const test = await MnistSegmentationDataset.load({ split: 'test', length: 4, size: 32, digits: [1, 2] });
    // The saved weights score what the run reported.
    expect((await evaluateSegmentation(model, test)).mIoU).toBeCloseTo(r.final!.mIoU, 6);
    const sample = await test.get(0);
    const file = path.join(dir, 'pred.png');
    const mask = await predictMaskPng(model, sample.image, test.shape, test.stats, file);
    const png = await decodeImageFile(file, [32, 32, 3]);
    for (const p of [0, 100, 517]) expect(Array.from(png.subarray(p * 3, p * 3 + 3), (v) => Math.round(v * 255))).toEqual(classColor(mask[p]));
    model.dispose();

    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html.match(/<figcaption>prediction<\/figcaption>/g)).toHaveLength(2);
    expect(html.match(/<figcaption>ground truth<\/figcaption>/g)).toHaveLength(2);
    // 4 levels × 2 tokens of attention per image
    expect(html.match(/class="attn"/g)).toHaveLength(16);
    expect(html).toContain('<svg');
    expect(html).toContain('test mIoU');
  });

  it('evaluateSegmentation and predictMaskPng take the logits from `forward` when given (the CLI passes an ONNX session)', async () => {
    const model = buildSegmenter(registry(), tinySegmenter());
    const test = await MnistSegmentationDataset.load({ split: 'test', length: 4, size: 32, digits: [1, 2] });
    // Logits that say "background" (class 0) at every pixel, whatever the model would say.
    const calls: number[] = [];
    const background = async (x: tf.Tensor4D): Promise<tf.Tensor4D> => {
      calls.push(x.shape[0]);
      return tf.tidy(() => tf.oneHot(tf.zeros([x.shape[0], x.shape[1], x.shape[2]], 'int32'), test.numClasses).toFloat() as tf.Tensor4D);
    };
    let labelled = 0;
    let backgroundPixels = 0;
    for (let i = 0; i < test.length; i++) {
      for (const v of (await test.get(i)).mask) {
        if (v === 255) continue;
        labelled++;
        if (v === 0) backgroundPixels++;
      }
    }
    const before = tf.memory().numTensors;
    const r = await evaluateSegmentation(model, test, { batchSize: 3, forward: background });
    expect(calls).toEqual([3, 1]);
    expect(r.pixelAccuracy).toBeCloseTo(backgroundPixels / labelled, 9);
    expect(r.perClassIoU.slice(1).every((iou) => iou === null || iou === 0)).toBe(true);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-segfwd-')), 'mask.png');
    const mask = await predictMaskPng(model, (await test.get(0)).image, test.shape, test.stats, file, { forward: background });
    expect(mask.every((v) => v === 0)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    model.dispose();
  });

  it('runs a segmentation spec file end to end (neck MACs, weights that load back) and refuses a spec with a bad model path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-segspec-'));
    const spec = tinySegmentationSpec(path.join(dir, 'out'), { neck: { type: 'fpn', outChannels: 8 }, train: { epochs: 1 }, data: { trainLength: 8, testLength: 2 } });
    const file = path.join(dir, 'spec.json');
    fs.writeFileSync(file, JSON.stringify({ ...spec, backend: 'wasm' }));
    const r = await runSegmentationSpec(file, { registry: registry(), progress: null, log: () => undefined });
    expect(r.step).toBe(2);
    expect(r.neckMacs).toBeGreaterThan(0);
    expect(fs.existsSync(r.metricsFile)).toBe(true);
    expect(fs.existsSync(r.reportFile)).toBe(true);
    // The saved weights carry every parameter of the spec's model (strict load) and the run left a checkpoint to resume.
    const copy = buildSegmenter(registry(), spec.model);
    await loadSafetensorsInto(copy, r.weightsFile);
    copy.dispose();
    expect((await readSafetensors(path.join(dir, 'out', 'checkpoint.safetensors'))).tensors.size).toBeGreaterThan(0);
    fs.writeFileSync(file, JSON.stringify({ ...spec, model: { ...spec.model, neck: { type: 'nope' } } }));
    await expect(runSegmentationSpec(file, { registry: registry(), progress: null, log: () => undefined })).rejects.toThrow(/neck\.type.*"nope" is not registered as a neck/);
  });
});

describe('segmentation example specs', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));
  const dir = path.resolve(__dirname, '../../../../examples/specs');

  it.each(['seg-mnist-fpn.json', 'seg-mnist-vt-fpn.json'])('%s validates and its model builds and runs at the spec size', (file) => {
    const r = registry();
    const spec = parseSegmentationSpec(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), file, r);
    const model = buildSegmenter(r, spec.model as { type: string });
    const y = tf.tidy(() => model.eval().forward(tf.zeros([1, 64, 64, 1]) as tf.Tensor4D).shape);
    expect(y).toEqual([1, 64, 64, 11]);
    model.dispose();
  });
});
