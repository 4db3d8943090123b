import { promises as fs } from 'fs';
import * as path from 'path';
import { fixtureDir, runVitkit, tinyTrainSpec, writeJson } from './testing';

describe('vitkit train | eval | predict', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await fixtureDir();
    file = await writeJson(path.join(dir, 'spec.json'), tinyTrainSpec(path.join(dir, 'run')));
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('rejects bad arguments with exit code 2, naming the flag and the usage line', async () => {
    const bad = await runVitkit(['train', '--spec', 'x.json', '--nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--nope/);
    expect(bad.err).toContain('Usage: vitkit train --spec <file.json> [options]');
    expect((await runVitkit(['train'])).err).toMatch(/--spec <file.json> is required/);
    expect((await runVitkit(['eval', '--spec', 'x.json'])).code).toBe(2);
  });

  it('reports an invalid spec with the exact path (exit 3)', async () => {
    const s = tinyTrainSpec(dir) as unknown as { train: Record<string, unknown> };
    s.train.epochs = 'many';
    const r = await runVitkit(['train', '--spec', await writeJson(path.join(dir, 'bad.json'), s)]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/train\.epochs: "many" is not valid/);
  });

  it('trains from a spec file (text and --json), then evaluates and predicts with the saved weights', async () => {
    const t = await runVitkit(['train', '--spec', file, '--quiet']);
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/test top-1 accuracy: \d+\.\d\d%/);
    expect(t.out).toMatch(/wall time: /);
    for (const f of ['checkpoint.safetensors', 'model.safetensors', 'metrics.jsonl', 'report.html', 'eval.json']) {
      await expect(fs.access(path.join(dir, 'run', f))).resolves.toBeUndefined();
    }
    const trainTop1 = JSON.parse(await fs.readFile(path.join(dir, 'run', 'eval.json'), 'utf8')).top1;

    // --json: exactly one JSON object on stdout; the human-readable lines go to stderr.
    const tj = await runVitkit(['train', '--spec', file, '--quiet', '--json', '--out', path.join(dir, 'run-json')]);
    expect(tj.code).toBe(0);
    const summary = JSON.parse(tj.out);
    expect(summary).toMatchObject({ stopped: false, outDir: path.join(dir, 'run-json'), step: summary.totalSteps });
    expect(summary.final.count).toBe(30);
    expect(summary.final.top1).toBeCloseTo(trainTop1, 6); // same seed, same run
    expect(tj.err).toMatch(/test top-1 accuracy/);

    const model = path.join(dir, 'run', 'model.safetensors');
    const e = await runVitkit(['eval', '--spec', file, '--weights', model, '--json']);
    expect(e.code).toBe(0);
    const er = JSON.parse(e.out);
    expect(er.count).toBe(30);
    expect(er.top1).toBeCloseTo(trainTop1, 6);
    expect(er.confusion).toHaveLength(3);
    const e2 = await runVitkit(['eval', '--spec', file, '--weights', path.join(dir, 'run', 'checkpoint.safetensors')]);
    expect(e2.code).toBe(0);
    expect(e2.out).toMatch(/top-1 .*top-5/);
    // The confusion-matrix header shows the full class names.
    expect(e2.out).toMatch(/confusion matrix .*\n {2} +class_0 class_1 class_2\n {2}class_0 /);

    // A PNG of a test image, through decode → eval transforms → normalise → model.
    const sharp = require('sharp') as typeof import('sharp');
    const png = path.join(dir, 'digit.png');
    await sharp(Buffer.alloc(64, 200), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(png);
    const p = await runVitkit(['predict', '--spec', file, '--weights', model, '--top', '2', '--json', png]);
    expect(p.code).toBe(0);
    const pr = JSON.parse(p.out);
    expect(pr[0].file).toBe(png);
    expect(pr[0].top).toHaveLength(2);
    expect(pr[0].top[0].probability).toBeGreaterThanOrEqual(pr[0].top[1].probability);
    expect(pr[0].top[0].label).toMatch(/^class_\d$/);
    const missing = await runVitkit(['predict', '--spec', file, '--weights', model, path.join(dir, 'nope.png')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.png/);
  });
});
