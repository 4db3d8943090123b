import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTrainerCli } from './cli';

/** Captures what the CLI writes to stdout/stderr. */
async function run(cmd: 'train' | 'eval' | 'predict', argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const l = jest.spyOn(console, 'log').mockImplementation((s: unknown) => void (out += `${String(s)}\n`));
  try {
    const code = await runTrainerCli(cmd, argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    l.mockRestore();
  }
}

const plugins = [path.resolve(__dirname, '../../tokenizers/src/index.ts'), path.resolve(__dirname, '../../backbones/src/index.ts')];

function spec(outDir: string) {
  return {
    plugins,
    seed: 1,
    backend: 'wasm',
    model: { type: 'vit', imgSize: 8, inChans: 1, numClasses: 3, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 4 } },
    data: {
      train: { type: 'synthetic', numSamples: 96, numClasses: 3, imageSize: 8, channels: 1, noise: 0.05 },
      test: { type: 'synthetic', split: 'test', numSamples: 30, numClasses: 3, imageSize: 8, channels: 1, noise: 0.05 },
      batchSize: 16,
    },
    train: { epochs: 3, optimizer: { type: 'adamw', lr: 5e-3 }, schedule: { type: 'cosine', warmupSteps: 2 }, outDir },
  };
}

describe('vitkit train | eval | predict', () => {
  it('prints help and rejects bad arguments with exit code 2', async () => {
    for (const cmd of ['train', 'eval', 'predict'] as const) {
      const r = await run(cmd, ['--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: vitkit ${cmd}`);
    }
    const bad = await run('train', ['--spec', 'x.json', '--nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--nope/);
    expect((await run('train', [])).err).toMatch(/--spec <file> is required/);
    expect((await run('eval', ['--spec', 'x.json'])).code).toBe(2);
  });

  it('reports an invalid spec with the exact path (exit 1)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-cli-'));
    const file = path.join(dir, 'bad.json');
    const s = spec(dir) as Record<string, unknown>;
    (s.train as Record<string, unknown>).epochs = 'many';
    await fs.writeFile(file, JSON.stringify(s));
    const r = await run('train', ['--spec', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/train\.epochs: "many" is not valid/);
  });

  it('trains from a spec file, then evaluates and predicts with the saved weights', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-cli-'));
    const file = path.join(dir, 'spec.json');
    await fs.writeFile(file, JSON.stringify(spec(path.join(dir, 'run'))));
    const t = await run('train', ['--spec', file, '--quiet']);
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/test top-1 accuracy: \d+\.\d\d%/);
    expect(t.out).toMatch(/wall time: /);
    for (const f of ['checkpoint.safetensors', 'model.safetensors', 'metrics.jsonl', 'report.html', 'eval.json']) {
      await expect(fs.access(path.join(dir, 'run', f))).resolves.toBeUndefined();
    }
    const trainTop1 = JSON.parse(await fs.readFile(path.join(dir, 'run', 'eval.json'), 'utf8')).top1;

    const e = await run('eval', ['--spec', file, '--weights', path.join(dir, 'run', 'model.safetensors'), '--json']);
    expect(e.code).toBe(0);
    const er = JSON.parse(e.out);
    expect(er.count).toBe(30);
    expect(er.top1).toBeCloseTo(trainTop1, 6);
    expect(er.confusion).toHaveLength(3);
    const e2 = await run('eval', ['--spec', file, '--weights', path.join(dir, 'run', 'checkpoint.safetensors')]);
    expect(e2.code).toBe(0);
    expect(e2.out).toMatch(/top-1 .*top-5/);
    expect(e2.out).toMatch(/confusion matrix/);

    // A PNG of a test image, through decode → eval transforms → normalise → model.
     
    const sharp = require('sharp') as typeof import('sharp');
    const png = path.join(dir, 'digit.png');
    await sharp(Buffer.alloc(64, 200), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(png);
    const p = await run('predict', ['--spec', file, '--weights', path.join(dir, 'run', 'model.safetensors'), '--top', '2', '--json', png]);
    expect(p.code).toBe(0);
    const pr = JSON.parse(p.out);
    expect(pr[0].file).toBe(png);
    expect(pr[0].top).toHaveLength(2);
    expect(pr[0].top[0].probability).toBeGreaterThanOrEqual(pr[0].top[1].probability);
    expect(pr[0].top[0].label).toMatch(/^class_\d$/);
    const missing = await run('predict', ['--spec', file, '--weights', path.join(dir, 'run', 'model.safetensors'), path.join(dir, 'nope.png')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.png/);
  });
});
