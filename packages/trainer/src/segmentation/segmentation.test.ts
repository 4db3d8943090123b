import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSegmenter, createRegistry, loadSafetensorsInto, manualSeed, selectBackend, tf } from '@vitkit/core';
import { expectGradientsMatch, seededValues } from '@vitkit/core/testing';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { classColor, decodeImageFile, MnistSegmentationDataset } from '@vitkit/data';
import { fitSegmentation } from './fit';
import { pixelCrossEntropy } from './loss';
import { ConfusionMatrix } from './metrics';
import { predictMaskPng } from './predict';
import { writeSegmentationReport } from './report';
import { parseSegmentationSpec, runSegmentationSpec } from './run-spec';

const registry = () => createRegistry({ plugins: [tokenizers, backbones] });
const tinyModel = (neck: Record<string, unknown>) => ({
  type: 'segmentation',
  backbone: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 8] },
  neck,
  head: { type: 'semantic-fpn', convDims: 8, groups: 2 },
  numClasses: 11,
  inChans: 1,
  imgSize: [32, 32],
});
const TINY_VT = { type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 };

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

describe('segmentation fit, predict and report', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('trains a tiny VT-FPN: metrics.jsonl has loss, mIoU, pixel accuracy and per-class IoU; predict writes a coloured PNG; the report shows masks and attention', async () => {
    manualSeed(1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-segfit-'));
    const train = await MnistSegmentationDataset.load({ split: 'train', length: 16, size: 32, digits: [1, 2] });
    const test = await MnistSegmentationDataset.load({ split: 'test', length: 4, size: 32, digits: [1, 2] });
    const model = buildSegmenter(registry(), tinyModel(TINY_VT));
    const before = tf.memory().numTensors;
    const r = await fitSegmentation({ model, train, test, outDir: dir, batchSize: 4, epochs: 2, evalEvery: 4, lr: 0.05 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.steps).toBe(8);
    const lines = fs.readFileSync(r.metricsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.step)).toEqual([4, 8]);
    for (const l of lines) {
      expect(l.mIoU).toBeGreaterThanOrEqual(0);
      expect(l.pixelAccuracy).toBeGreaterThan(0);
      expect((l.perClassIoU as unknown[]).length).toBe(11);
      expect(Number.isFinite(l.testLoss)).toBe(true);
    }
    expect(lines[0].trainLoss as number).toBeGreaterThan(lines[1].trainLoss as number);

    const sample = await test.get(0);
    const file = path.join(dir, 'pred.png');
    const mask = await predictMaskPng(model, sample.image, test.shape, test.stats, file);
    const png = await decodeImageFile(file, [32, 32, 3]);
    for (const p of [0, 100, 517]) expect(Array.from(png.subarray(p * 3, p * 3 + 3), (v) => Math.round(v * 255))).toEqual(classColor(mask[p]));

    const report = path.join(dir, 'report.html');
    await writeSegmentationReport(report, model, test, { count: 2, scores: r.final });
    const html = fs.readFileSync(report, 'utf8');
    expect(html.match(/<figcaption>prediction<\/figcaption>/g)).toHaveLength(2);
    expect(html.match(/<figcaption>ground truth<\/figcaption>/g)).toHaveLength(2);
    // 4 levels × 2 tokens of attention per image
    expect(html.match(/class="attn"/g)).toHaveLength(16);
    expect(html).toContain('mIoU');
    model.dispose();
  });

  it('runs a segmentation spec end to end and refuses a spec with a bad model path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-segspec-'));
    const spec = {
      task: 'segmentation',
      model: tinyModel({ type: 'fpn', outChannels: 8 }),
      data: { type: 'mnist-segmentation', size: 32, trainLength: 8, testLength: 2, digits: [1, 2] },
      train: { batchSize: 4, epochs: 1, lr: 0.05 },
      output: { dir: 'out', reportImages: 1 },
    };
    const file = path.join(dir, 'spec.json');
    fs.writeFileSync(file, JSON.stringify(spec));
    const r = await runSegmentationSpec(file, { registry: registry() });
    expect(r.steps).toBe(2);
    expect(r.neckMacs).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(dir, 'out', 'metrics.jsonl'))).toBe(true);
    expect(fs.existsSync(r.reportFile)).toBe(true);
    // The saved weights load into a fresh model of the same spec and give the same logits.
    const reg = registry();
    const copy = buildSegmenter(reg, spec.model);
    await loadSafetensorsInto(copy, r.weightsFile);
    const trained = buildSegmenter(reg, spec.model);
    await loadSafetensorsInto(trained, r.weightsFile);
    const d = tf.tidy(() => {
      const x = tf.randomUniform([1, 32, 32, 1]) as tf.Tensor4D;
      return tf.max(tf.abs(tf.sub(copy.eval().forward(x), trained.eval().forward(x)))).dataSync()[0];
    });
    expect(d).toBe(0);
    copy.dispose();
    trained.dispose();
    fs.writeFileSync(file, JSON.stringify({ ...spec, model: { ...spec.model, neck: { type: 'nope' } } }));
    await expect(runSegmentationSpec(file, { registry: registry() })).rejects.toThrow(/neck\.type.*"nope" is not registered as a neck/);
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
