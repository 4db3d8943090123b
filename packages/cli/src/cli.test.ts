import { promises as fs } from 'fs';
import * as path from 'path';
import { buildModel, readSafetensors, saveSafetensors, tf, writeSafetensors } from '@vitkit/core';
import { useBackend } from '@vitkit/core/testing';
import { commands } from './commands';
import { openModelSpec } from './run-setup';
import { fixtureDir, runVitkit, writeJson } from './testing';

describe('vitkit list | info | forward | demo', () => {
  let dir: string;
  let specFile: string;

  beforeAll(async () => {
    await useBackend('cpu');
    dir = await fixtureDir();
    specFile = await writeJson(path.join(dir, 'spec.json'), { plugins: ['./flat-plugin.js'], model: { preset: 'flat_4', numClasses: 5 } });
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('prints usage with --help, the version with --version, and rejects unknown commands (exit 2)', async () => {
    const help = await runVitkit(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: vitkit <command>');
    for (const name of Object.keys(commands)) expect(help.out).toMatch(new RegExp(`^  ${name} `, 'm'));
    const version = await runVitkit(['--version']);
    expect(version.code).toBe(0);
    expect(version.out.trim()).toBe(JSON.parse(await fs.readFile(path.join(__dirname, '..', 'package.json'), 'utf8')).version);
    expect((await runVitkit([])).code).toBe(2);
    const unknown = await runVitkit(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
  });

  it('gives every subcommand the same help layout', async () => {
    for (const name of Object.keys(commands)) {
      const r = await runVitkit([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: vitkit ${name} `));
      expect(r.out).toContain('\nOptions:\n');
      expect(r.out).toMatch(/^ {2}-h, --help +this help$/m);
      expect((await runVitkit(['help', name])).out).toBe(r.out);
    }
  });

  it('lists components and presets as JSON, first-party plugins loaded by default', async () => {
    const r = await runVitkit(['list', '--json']);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.out);
    expect(listed.components.head.map((h: { name: string }) => h.name)).toContain('linear');
    expect(listed.plugins).toEqual(expect.arrayContaining(['@vitkit/core', '@vitkit/tokenizers', '@vitkit/backbones']));
    expect(listed.presets.map((p: { name: string }) => p.name)).toContain('t2t_vit_14');
  });

  it('lists the components of third-party plugins named with --plugins (paths and package names)', async () => {
    const r = await runVitkit(['list', '--plugins', `${path.join(dir, 'flat-plugin.js')},@vitkit/fusion`, '--kind', 'backbone', 'flat_*']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}flat +flatten \+ linear +\[local-flat\]$/m);
    expect(r.out).toMatch(/^ {2}flat_4 /m);
    expect(r.out).toMatch(/^plugins: .*local-flat/);
    const cwd = process.cwd();
    process.chdir(dir); // relative paths resolve against the working directory
    try {
      expect(JSON.parse((await runVitkit(['list', '--json', '--plugins', './flat-plugin.js'])).out).plugins).toContain('local-flat');
    } finally {
      process.chdir(cwd);
    }
  });

  it('reports an unknown preset as invalid input (exit 3) naming the path', async () => {
    const r = await runVitkit(['info', 'no_such_model', '--backend', 'cpu']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('model.preset: "no_such_model" is not a registered preset');
  });

  it('info loads a local plugin named in the spec and reports params and MACs once (no params_total)', async () => {
    const r = await runVitkit(['info', specFile, '--json', '--backend', 'cpu']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.paramsTotal).toBe(16 * 5 + 5);
    expect(info.macs).toBe(16 * 5);
    expect(info).not.toHaveProperty('params_total');
    expect(info).not.toHaveProperty('params_trainable');
    const text = await runVitkit(['info', specFile, '--backend', 'cpu']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^flat_4 \(flat\)\n {2}parameters: 85 total, 85 trainable\n {2}MACs: +0\.000 G at 1x4x4/);
  });

  it('names the install command for a missing plugin (exit 3)', async () => {
    const missing = await writeJson(path.join(dir, 'missing.json'), { plugins: ['vitkit-plugin-does-not-exist'], model: 'flat_4' });
    const r = await runVitkit(['info', missing, '--backend', 'cpu']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('npm install vitkit-plugin-does-not-exist');
  });

  it('demo builds a model and prints its output shape', async () => {
    const r = await runVitkit(['demo', specFile, '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/85 parameters; output \[2,5\] in \d+ ms; row sums 1\.0000, 1\.0000/);
  });

  it('forward reads __input__ (NCHW), loads weights strictly and writes __logits__', async () => {
    const { loaded, registry } = await openModelSpec(specFile);
    const model = buildModel(registry, loaded.spec.model);
    const weights = path.join(dir, 'w.safetensors');
    await saveSafetensors(model, weights);
    const x = tf.randomUniform([2, 1, 4, 4], 0, 1, 'float32', 3);
    const input = path.join(dir, 'x.safetensors');
    await writeSafetensors(input, [['__input__', { shape: x.shape, data: x.dataSync() as Float32Array }]]);
    const expected = tf.tidy(() => model.eval().forward(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D).dataSync());
    const output = path.join(dir, 'y.safetensors');
    const r = await runVitkit(['forward', '--spec', specFile, '--weights', weights, '--input', input, '--output', output, '--backend', 'cpu']);
    expect(r.code).toBe(0);
    const logits = (await readSafetensors(output)).tensors.get('__logits__')!;
    expect(logits.shape).toEqual([2, 5]);
    logits.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));

    // A weights file for another class count is refused, naming the key and both shapes.
    const wrong = path.join(dir, 'wrong.safetensors');
    await writeSafetensors(wrong, [['head.weight', { shape: [3, 16], data: new Float32Array(48) }], ['head.bias', { shape: [3], data: new Float32Array(3) }]]);
    const bad = await runVitkit(['forward', '--spec', specFile, '--weights', wrong, '--input', input, '--backend', 'cpu']);
    expect(bad.code).toBe(3);
    expect(bad.err).toContain('head.weight: checkpoint [3,16] vs model [5,16]');
    x.dispose();
    model.dispose();
  });
});
