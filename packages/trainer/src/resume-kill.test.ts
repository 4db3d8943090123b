import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, selectBackend, stateDict } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { Trainer } from './trainer';
import { loadCheckpoint } from './checkpoint';
import { syntheticData } from './testing/synthetic';

const packages = path.resolve(__dirname, '../..');

/** A require hook for the child: transpiles the TypeScript sources and maps `@vitkit/<pkg>` to `packages/<pkg>/src`. */
const register = `
const Module = require('module');
const fs = require('fs');
const path = require('path');
const ts = require(${JSON.stringify(require.resolve('typescript'))});
require(${JSON.stringify(require.resolve('reflect-metadata'))});
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const m = /^@vitkit\\/([a-z-]+)$/.exec(request);
  if (m) request = path.join(${JSON.stringify(packages)}, m[1], 'src', 'index.ts');
  else if (request.startsWith('.') && parent && parent.filename && parent.filename.endsWith('.ts')) {
    const base = path.resolve(path.dirname(parent.filename), request);
    if (fs.existsSync(base + '.ts')) request = base + '.ts';
    else if (fs.existsSync(path.join(base, 'index.ts'))) request = path.join(base, 'index.ts');
  }
  return resolve.call(this, request, parent, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true, esModuleInterop: true },
  });
  module._compile(out.outputText, filename);
};
`;

const tinyVit = { type: 'vit', imgSize: 8, inChans: 1, numClasses: 3, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, dropRate: 0.1, dropPathRate: 0.2, tokenizer: { type: 'patch', patchSize: 4 } };

function spec(outDir: string) {
  return {
    seed: 5,
    backend: 'cpu',
    model: tinyVit,
    data: { train: { type: 'synthetic' }, test: { type: 'synthetic' }, batchSize: 8 },
    train: { epochs: 3, optimizer: { type: 'adamw', lr: 3e-3 }, schedule: { type: 'cosine', warmupSteps: 3 }, clipGradNorm: 1, ema: { decay: 0.9 }, checkpointEvery: 1, outDir },
  };
}

describe('a training process killed with SIGKILL', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('resumes from its last checkpoint and ends with the same weights as an uninterrupted run', async () => {
    const opts = { progress: null, log: () => undefined, data: syntheticData() } as const;
    const dirA = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-kill-a-'));
    const a = await Trainer.create(spec(dirA), { ...opts, registry: createRegistry({ plugins: [tokenizers, backbones] }) });
    await a.fit();
    const expected = stateDict(a.model);
    a.dispose();

    const dirB = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-kill-b-'));
    await fs.writeFile(path.join(dirB, 'register.js'), register);
    const child = `
      require(${JSON.stringify(path.join(dirB, 'register.js'))});
      const { createRegistry } = require('@vitkit/core');
      const { Trainer } = require(${JSON.stringify(path.join(__dirname, 'trainer.ts'))});
      const { syntheticData } = require(${JSON.stringify(path.join(__dirname, 'testing', 'synthetic.ts'))});
      (async () => {
        const registry = createRegistry({ plugins: [require('@vitkit/tokenizers').plugin, require('@vitkit/backbones').plugin] });
        const t = await Trainer.create(${JSON.stringify(spec(dirB))}, { registry, progress: null, log: () => {}, data: syntheticData() });
        await t.fit();
        process.stdout.write('finished\\n');
      })().catch((e) => { console.error(e); process.exit(1); });
    `;
    const proc = spawn(process.execPath, ['-e', child], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const file = path.join(dirB, 'checkpoint.safetensors');
    let killedAt = -1;
    for (let i = 0; i < 3000 && killedAt < 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if (proc.exitCode !== null) break;
      try {
        const step = (await loadCheckpoint(file)).meta.step;
        if (step >= 3) {
          proc.kill('SIGKILL');
          killedAt = step;
        }
      } catch {
        // not written yet (or being replaced: the rename is atomic, a reader never sees half a file)
      }
    }
    await exited;
    if (killedAt < 0) throw new Error(`the child ended before it could be killed: ${out} ${err}`);
    expect(out).not.toContain('finished');
    const ck = await loadCheckpoint(file);
    expect(ck.meta.step).toBeGreaterThanOrEqual(killedAt);
    expect(ck.meta.step).toBeLessThan(18);

    const b = await Trainer.create(spec(dirB), { ...opts, registry: createRegistry({ plugins: [tokenizers, backbones] }), resume: true });
    expect(b.step).toBe(ck.meta.step);
    await b.fit();
    const got = stateDict(b.model);
    for (const [k, v] of expected) expect(Array.from(got.get(k)!.data)).toEqual(Array.from(v.data));
    b.dispose();
  });
});
