import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { Checkpoint, loadCheckpoint, readWeights, saveCheckpoint, serializeCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './checkpoint';

function checkpoint(step: number, size = 4): Checkpoint {
  const data = new Float32Array(size).fill(step);
  for (let i = 0; i < Math.min(size, 8); i++) data[i] = step + i / 10;
  return {
    meta: {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      step,
      position: { epoch: 0, batch: step },
      rng: 1234 + step,
      seed: 0,
      spec: { hello: 'world' },
      optimizer: { type: 'adamw', scalars: { step } },
      elapsed: 1.5,
    },
    model: new Map([['head.weight', { shape: [size], data, dtype: 'F32' }]]),
    optimizer: new Map([['exp_avg.head.weight', { shape: [size], data, dtype: 'F32' }]]),
    ema: new Map([['head.weight', { shape: [size], data, dtype: 'F32' }]]),
  };
}

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-ckpt-'));
}

describe('checkpoints', () => {
  it('round-trip weights, optimizer state, EMA, spec, step and RNG state', async () => {
    const dir = await tmpDir();
    const file = path.join(dir, 'checkpoint.safetensors');
    await saveCheckpoint(file, checkpoint(7));
    const ck = await loadCheckpoint(file);
    expect(ck.meta.step).toBe(7);
    expect(ck.meta.rng).toBe(1241);
    expect(ck.meta.spec).toEqual({ hello: 'world' });
    expect(Array.from(ck.model.get('head.weight')!.data)).toEqual(Array.from(checkpoint(7).model.get('head.weight')!.data));
    expect(ck.optimizer.has('exp_avg.head.weight')).toBe(true);
    expect(ck.ema!.has('head.weight')).toBe(true);
    // As weights (eval/predict), only the model part is read.
    const w = await readWeights(file);
    expect([...w.tensors.keys()]).toEqual(['head.weight']);
    expect(w.checkpoint!.step).toBe(7);
  });

  it('a failure while writing leaves the previous checkpoint intact (in-process: write fails half-way)', async () => {
    const dir = await tmpDir();
    const file = path.join(dir, 'checkpoint.safetensors');
    await saveCheckpoint(file, checkpoint(1));
    const fsp = require('fs').promises as typeof fs;
    const realOpen = fsp.open;
    const spy = jest.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
      const h = await realOpen(...args);
      const realWrite = h.writeFile.bind(h);
      h.writeFile = (async (data: Buffer) => {
        await realWrite(data.subarray(0, Math.floor(data.length / 2)));
        throw new Error('disk full (simulated)');
      }) as typeof h.writeFile;
      return h;
    });
    try {
      await expect(saveCheckpoint(file, checkpoint(2))).rejects.toThrow(/simulated/);
    } finally {
      spy.mockRestore();
    }
    expect((await loadCheckpoint(file)).meta.step).toBe(1);
  });

  it('a process killed (SIGKILL) while writing leaves the previous checkpoint intact', async () => {
    const dir = await tmpDir();
    const file = path.join(dir, 'checkpoint.safetensors');
    await saveCheckpoint(file, checkpoint(1));
    // The child runs core's real writeFileAtomic (transpiled from source) on a 192 MB checkpoint.
    const src = path.resolve(__dirname, '../../core/src/io/atomic-write.ts');
    const js = ts.transpileModule(await fs.readFile(src, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    await fs.writeFile(path.join(dir, 'atomic-write.js'), js);
    const big = serializeCheckpoint(checkpoint(2, 16_000_000));
    await fs.writeFile(path.join(dir, 'next.bin'), big);
    const script = `
      const { writeFileAtomic } = require(${JSON.stringify(path.join(dir, 'atomic-write.js'))});
      const buf = require('fs').readFileSync(${JSON.stringify(path.join(dir, 'next.bin'))});
      process.stdout.write('ready\\n');
      writeFileAtomic(${JSON.stringify(file)}, buf).then(() => process.stdout.write('done\\n'));
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill as soon as the temporary file exists (the write has started, the rename has not happened).
    let sawTemp = false;
    for (let i = 0; i < 2000 && !sawTemp; i++) {
      const names = await fs.readdir(dir);
      sawTemp = names.some((n) => n.startsWith('.checkpoint.safetensors.') && n.endsWith('.tmp'));
      if (!sawTemp) await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGKILL');
    await exited;
    expect(sawTemp).toBe(true);
    expect(out).not.toContain('done');
    const ck = await loadCheckpoint(file);
    expect(ck.meta.step).toBe(1);
    expect(Array.from(ck.model.get('head.weight')!.data)).toEqual(Array.from(checkpoint(1).model.get('head.weight')!.data));
  });
});
