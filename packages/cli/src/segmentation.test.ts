import { promises as fs } from 'fs';
import * as path from 'path';
import { loadCheckpoint } from '@vitkit/trainer';
import { EXIT } from './exit-codes';
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
      data: { type: 'mnist-segmentation', size: 32, trainLength: 8, testLength: 2, digits: [1, 2], batchSize: 4 },
      train: { epochs: 1, optimizer: { type: 'sgd', lr: 0.05 }, schedule: { type: 'constant' }, outDir: path.join(dir, 'run') },
      report: { images: 1 },
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

  it('vitkit train → 130 on Ctrl-C, after writing a checkpoint that --resume continues from', async () => {
    const long = await writeJson(path.join(dir, 'seg-long.json'), {
      ...JSON.parse(await fs.readFile(spec, 'utf8')),
      train: { epochs: 500, optimizer: { type: 'sgd', lr: 0.05 }, schedule: { type: 'constant' }, outDir: path.join(dir, 'run-long') },
    });
    /** `vitkit train` with one Ctrl-C, as soon as it listens for it (a second one would exit the process at once). */
    const interrupted = async (...flags: string[]) => {
      const before = process.listenerCount('SIGINT');
      const timer = setInterval(() => {
        if (process.listenerCount('SIGINT') <= before) return;
        clearInterval(timer);
        process.emit('SIGINT');
      }, 50);
      try {
        return await runVitkit(['train', '--spec', long, '--quiet', '--json', ...flags]);
      } finally {
        clearInterval(timer);
      }
    };
    const r = await interrupted();
    expect(r.code).toBe(EXIT.interrupted);
    const stopped = JSON.parse(r.out) as { stopped: boolean; step: number; task: string; checkpoint: string };
    expect(stopped).toMatchObject({ stopped: true, task: 'segmentation', checkpoint: path.join(dir, 'run-long', 'checkpoint.safetensors') });
    await expect(fs.access(stopped.checkpoint)).resolves.toBeUndefined();
    // The checkpoint is a training checkpoint of this spec: resuming picks up at the step it stopped at.
    const ck = await loadCheckpoint(stopped.checkpoint);
    expect(ck.meta.step).toBe(stopped.step);
    expect(ck.meta.optimizer.type).toBe('sgd');
    const again = await interrupted('--resume');
    expect(again.code).toBe(EXIT.interrupted);
    expect(again.err).toContain(`resumed from ${stopped.checkpoint} at step ${stopped.step}/`);
    expect((JSON.parse(again.out) as { step: number }).step).toBeGreaterThan(stopped.step);
  });

  it('a bad weights file is invalid input (exit 3) naming the file', async () => {
    const bad = path.join(dir, 'bad.safetensors');
    await fs.writeFile(bad, Buffer.from('not a weights file'));
    const r = await runVitkit(['eval', '--spec', spec, '--weights', bad]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/bad\.safetensors/);
  });
});
