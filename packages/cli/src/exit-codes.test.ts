import { promises as fs } from 'fs';
import * as path from 'path';
import { buildModel, saveSafetensors, writeSafetensors } from '@vitkit/core';
import { useBackend } from '@vitkit/core/testing';
import { commands } from './commands';
import { EXIT } from './exit-codes';
import { createRunRegistry, openModelSpec } from './run-setup';
import { CliRun, fixtureDir, runVitkit, tinyTrainSpec, writeJson } from './testing';

/** A way to make one subcommand end with one exit code. */
interface Case {
  argv: () => string[];
  stdoutFails?: boolean;
  /** What stderr must say (the error names what went wrong). */
  err?: RegExp;
}

const DOCUMENTED = [EXIT.ok, EXIT.failure, EXIT.usage, EXIT.input] as const;

describe('exit codes: every subcommand × 0 ok, 1 failure, 2 usage error, 3 invalid input', () => {
  let dir: string;
  const f: Record<string, string> = {};

  beforeAll(async () => {
    await useBackend('cpu');
    dir = await fixtureDir();
    const at = (name: string) => path.join(dir, name);
    f.flat = await writeJson(at('flat.json'), { plugins: ['./flat-plugin.js'], model: 'flat_4' });
    f.broken = await writeJson(at('broken.json'), { plugins: ['./flat-plugin.js'], model: { type: 'broken' } });
    f.train = await writeJson(at('train.json'), { ...tinyTrainSpec(at('run')), backend: 'cpu', train: { ...tinyTrainSpec('').train, epochs: 1, outDir: at('run') } });
    f.trainBroken = await writeJson(at('train-broken.json'), tinyTrainSpec(at('run-broken'), { plugins: ['./flat-plugin.js'], model: { type: 'broken' } }));
    f.trainInvalid = await writeJson(at('train-invalid.json'), { ...tinyTrainSpec(at('run')), data: { batchSize: 0 } });
    f.missingPlugin = await writeJson(at('missing-plugin.json'), { plugins: ['./no-such-plugin.js'], model: 'flat_4' });

    const { loaded, registry } = await openModelSpec(f.flat);
    const model = buildModel(registry, loaded.spec.model);
    f.flatWeights = at('flat.safetensors');
    await saveSafetensors(model, f.flatWeights);
    model.dispose();
    // Weights of the training spec's model (untrained: eval and predict need only matching names and shapes).
    const vit = buildModel(createRunRegistry(), tinyTrainSpec('').model as never);
    f.vitWeights = at('vit.safetensors');
    await saveSafetensors(vit, f.vitWeights);
    vit.dispose();
    f.input = at('x.safetensors');
    await writeSafetensors(f.input, [['__input__', { shape: [1, 1, 4, 4], data: new Float32Array(16).fill(0.5) }]]);
    f.wrongWeights = at('wrong.safetensors');
    await writeSafetensors(f.wrongWeights, [['head.weight', { shape: [3, 16], data: new Float32Array(48) }]]);

    // A PyTorch zip checkpoint cut short: the reader must refuse it (bad input), never guess.
    f.truncatedPth = at('truncated.pth');
    await fs.writeFile(f.truncatedPth, Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(40, 1)]));

    const sharp = require('sharp') as typeof import('sharp');
    f.png = at('digit.png');
    await sharp(Buffer.alloc(64, 200), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(f.png);
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const model = () => f.vitWeights;
  const matrix: Record<string, Record<(typeof DOCUMENTED)[number], Case>> = {
    list: {
      [EXIT.ok]: { argv: () => ['list', '--plugins', path.join(dir, 'flat-plugin.js')] },
      [EXIT.failure]: { argv: () => ['list'], stdoutFails: true, err: /EPIPE/ },
      [EXIT.usage]: { argv: () => ['list', '--nope'], err: /--nope/ },
      [EXIT.input]: { argv: () => ['list', '--plugins', path.join(dir, 'not-a-plugin.js')], err: /not-a-plugin\.js" could not be loaded: .*not a vitkit plugin/ },
    },
    info: {
      [EXIT.ok]: { argv: () => ['info', f.flat, '--backend', 'cpu'] },
      [EXIT.failure]: { argv: () => ['info', f.broken, '--backend', 'cpu'], err: /a bug in the plugin/ },
      [EXIT.usage]: { argv: () => ['info', f.flat, '--input', '1,4'], err: /--input must be C,H,W/ },
      [EXIT.input]: { argv: () => ['info', f.missingPlugin, '--backend', 'cpu'], err: /no-such-plugin\.js" not found/ },
    },
    forward: {
      [EXIT.ok]: { argv: () => ['forward', '--spec', f.flat, '--weights', f.flatWeights, '--input', f.input, '--backend', 'cpu'] },
      [EXIT.failure]: { argv: () => ['forward', '--spec', f.broken, '--input', f.input, '--backend', 'cpu'], err: /a bug in the plugin/ },
      [EXIT.usage]: { argv: () => ['forward', '--spec', f.flat], err: /--input <x.safetensors> is required/ },
      [EXIT.input]: { argv: () => ['forward', '--spec', f.flat, '--weights', f.wrongWeights, '--input', f.input, '--backend', 'cpu'], err: /wrong\.safetensors does not match the model/ },
    },
    convert: {
      [EXIT.ok]: { argv: () => ['convert', f.flatWeights, path.join(dir, 'converted.safetensors')] },
      [EXIT.failure]: { argv: () => ['convert', f.flatWeights, path.join(dir, 'converted-2.safetensors')], stdoutFails: true, err: /EPIPE/ },
      [EXIT.usage]: { argv: () => ['convert', f.flatWeights, path.join(dir, 'x.safetensors'), '--weights', 'newest'], err: /--weights must be one of auto, ema, live/ },
      [EXIT.input]: { argv: () => ['convert', f.truncatedPth, path.join(dir, 'y.safetensors')], err: /truncated\.pth/ },
    },
    demo: {
      [EXIT.ok]: { argv: () => ['demo', f.flat, '--backend', 'cpu'] },
      [EXIT.failure]: { argv: () => ['demo', f.broken, '--backend', 'cpu'], err: /a bug in the plugin/ },
      [EXIT.usage]: { argv: () => ['demo', '--nope'], err: /--nope/ },
      [EXIT.input]: { argv: () => ['demo', 'no_such_model', '--backend', 'cpu'], err: /no_such_model/ },
    },
    train: {
      [EXIT.ok]: { argv: () => ['train', '--spec', f.train, '--quiet'] },
      [EXIT.failure]: { argv: () => ['train', '--spec', f.trainBroken, '--quiet', '--backend', 'cpu'], err: /a bug in the plugin/ },
      [EXIT.usage]: { argv: () => ['train'], err: /--spec <file.json> is required/ },
      [EXIT.input]: { argv: () => ['train', '--spec', f.trainInvalid], err: /data\.batchSize/ },
    },
    eval: {
      [EXIT.ok]: { argv: () => ['eval', '--spec', f.train, '--weights', model(), '--json'] },
      [EXIT.failure]: { argv: () => ['eval', '--spec', f.trainBroken, '--weights', model(), '--backend', 'cpu'], err: /a bug in the plugin/ },
      [EXIT.usage]: { argv: () => ['eval', '--spec', f.train], err: /--weights <file> is required/ },
      [EXIT.input]: { argv: () => ['eval', '--spec', f.train, '--weights', path.join(dir, 'none.safetensors')], err: /none\.safetensors: cannot read/ },
    },
    predict: {
      [EXIT.ok]: { argv: () => ['predict', '--spec', f.train, '--weights', model(), f.png] },
      [EXIT.failure]: { argv: () => ['predict', '--spec', f.train, '--weights', model(), path.join(dir, 'nope.png')], err: /nope\.png/ },
      [EXIT.usage]: { argv: () => ['predict', '--spec', f.train, '--weights', model(), '--top', '0', f.png], err: /--top must be a positive integer/ },
      [EXIT.input]: { argv: () => ['predict', '--spec', f.train, '--weights', f.wrongWeights, f.png], err: /wrong\.safetensors does not match the model/ },
    },
    explain: {
      [EXIT.ok]: { argv: () => ['explain', '--spec', f.train, '--weights', model(), '--out', path.join(dir, 'explain.png'), f.png] },
      [EXIT.failure]: { argv: () => ['explain', '--spec', f.train, '--weights', model(), '--out', path.join(dir, 'explain.png'), path.join(dir, 'nope.png')], err: /nope\.png/ },
      [EXIT.usage]: { argv: () => ['explain', '--spec', f.train, '--weights', model(), '--out', path.join(dir, 'explain.png'), '--alpha', '3', f.png], err: /--alpha must be a number in \[0, 1\]/ },
      [EXIT.input]: { argv: () => ['explain', '--spec', f.train, '--weights', f.wrongWeights, '--out', path.join(dir, 'explain.png'), f.png], err: /wrong\.safetensors does not match the model/ },
    },
    export: {
      [EXIT.ok]: { argv: () => ['export', '--spec', f.train, '--weights', model(), '--onnx', path.join(dir, 'vit.onnx')] },
      [EXIT.failure]: { argv: () => ['export', '--spec', f.flat, '--onnx', path.join(dir, 'flat.onnx')], err: /is a Flat, which has no ONNX emitter/ },
      [EXIT.usage]: { argv: () => ['export', '--spec', f.flat], err: /--onnx <model.onnx> is required/ },
      [EXIT.input]: { argv: () => ['export', '--spec', f.train, '--weights', f.wrongWeights, '--onnx', path.join(dir, 'x.onnx')], err: /wrong\.safetensors does not match the model/ },
    },
  };

  it('has a case for each documented code of each subcommand in the command table', () => {
    expect(Object.keys(matrix).sort()).toEqual(Object.keys(commands).sort());
  });

  for (const [name, cases] of Object.entries(matrix)) {
    it.each(DOCUMENTED.map((code) => [code]))(`vitkit ${name} → %i`, async (code) => {
      const c = cases[code];
      const r: CliRun = await runVitkit(c.argv(), { stdoutFails: c.stdoutFails });
      if (r.code !== code) throw new Error(`vitkit ${c.argv().join(' ')} exited ${r.code}, expected ${code}\n${r.err}`);
      if (c.err) expect(r.err).toMatch(c.err);
      if (code !== EXIT.ok) expect(r.err).toMatch(new RegExp(`^vitkit ${name}: `, 'm'));
    });
  }

  it('vitkit train → 130 when interrupted (Ctrl-C), after writing a checkpoint', async () => {
    const long = await writeJson(path.join(dir, 'long.json'), { ...tinyTrainSpec(''), backend: 'cpu', train: { ...tinyTrainSpec('').train, epochs: 500, outDir: path.join(dir, 'run-long') } });
    // One Ctrl-C, as soon as `vitkit train` listens for it (a second one would exit the process at once).
    const before = process.listenerCount('SIGINT');
    const timer = setInterval(() => {
      if (process.listenerCount('SIGINT') <= before) return;
      clearInterval(timer);
      process.emit('SIGINT');
    }, 50);
    let r: CliRun;
    try {
      r = await runVitkit(['train', '--spec', long, '--quiet']);
    } finally {
      clearInterval(timer);
    }
    expect(r.code).toBe(EXIT.interrupted);
    await expect(fs.access(path.join(dir, 'run-long', 'checkpoint.safetensors'))).resolves.toBeUndefined();
  });
});
