import { promises as fs } from 'fs';
import * as path from 'path';
import { fixtureDir, runVitkit, writeJson } from './testing';

// A segmentation spec ("task": "segmentation") through the same three commands as a classification spec.
describe('vitkit train / eval / predict on a segmentation spec (VT-FPN)', () => {
  let dir: string;
  let spec: string;
  beforeAll(async () => {
    dir = await fixtureDir();
    spec = await writeJson(path.join(dir, 'seg.json'), {
      task: 'segmentation',
      backend: 'cpu',
      model: {
        type: 'segmentation',
        backbone: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 8] },
        neck: { type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 },
        head: { type: 'semantic-fpn', convDims: 8, groups: 2 },
        numClasses: 11,
        inChans: 1,
        imgSize: [32, 32],
      },
      data: { type: 'mnist-segmentation', size: 32, trainLength: 8, testLength: 2, digits: [1, 2] },
      train: { batchSize: 4, epochs: 1, lr: 0.05 },
      output: { dir: 'run', reportImages: 1 },
    });
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('trains (metrics, weights, report), evaluates the weights and writes a coloured mask per image', async () => {
    const t = await runVitkit(['train', '--spec', spec, '--json', '--quiet']);
    if (t.code !== 0) throw new Error(t.err);
    const trained = JSON.parse(t.out) as { task: string; mIoU: number; weights: string; report: string };
    expect(trained.task).toBe('segmentation');
    expect(trained.mIoU).toBeGreaterThanOrEqual(0);
    await expect(fs.access(path.join(dir, 'run', 'metrics.jsonl'))).resolves.toBeUndefined();
    await expect(fs.access(trained.report)).resolves.toBeUndefined();

    const e = await runVitkit(['eval', '--spec', spec, '--weights', trained.weights, '--json']);
    if (e.code !== 0) throw new Error(e.err);
    const scores = JSON.parse(e.out) as { mIoU: number; pixelAccuracy: number; perClassIoU: number[]; images: number };
    expect(scores.images).toBe(2);
    // The same weights on the same test split: the score train reported at its end.
    expect(scores.mIoU).toBeCloseTo(trained.mIoU, 6);
    expect(scores.perClassIoU).toHaveLength(11);

    const sharp = require('sharp') as typeof import('sharp');
    const png = path.join(dir, 'digits.png');
    await sharp(Buffer.from(Array.from({ length: 32 * 32 }, (_, i) => (i % 7 === 0 ? 255 : 0))), { raw: { width: 32, height: 32, channels: 1 } }).png().toFile(png);
    const p = await runVitkit(['predict', '--spec', spec, '--weights', trained.weights, '--out', path.join(dir, 'masks'), '--json', png]);
    if (p.code !== 0) throw new Error(p.err);
    const [m] = JSON.parse(p.out) as Array<{ file: string; mask: string }>;
    expect(m.mask).toBe(path.join(dir, 'masks', 'digits.mask.png'));
    const meta = await sharp(m.mask).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([32, 32, 3]);
  });

  it('a bad weights file is invalid input (exit 3) naming the file', async () => {
    const bad = path.join(dir, 'bad.safetensors');
    await fs.writeFile(bad, Buffer.from('not a weights file'));
    const r = await runVitkit(['eval', '--spec', spec, '--weights', bad]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/bad\.safetensors/);
  });
});
