// Faults say where: a full disk names the file, the step and what was being written; a plugin file that throws names
// the plugin; a number JSON cannot hold shows as written.
import * as fsModule from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, PluginLoadError, selectBackend } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { OutputWriteError } from './output-write-error';
import { syntheticData } from './testing/synthetic';
import { tinyRunSpec } from './testing/tiny-run';
import { Trainer } from './trainer';

const fs = fsModule.promises;
const registry = () => createRegistry({ plugins: [tokenizers, backbones] });
const quiet = { progress: null, log: () => undefined, data: syntheticData({ train: 24, test: 6 }) } as const;
const tmp = (name: string) => fs.mkdtemp(path.join(os.tmpdir(), `vitkit-faults-${name}-`));

function diskFull(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

/** Runs a tiny training run in `dir` and returns what fit() threw. */
async function failingRun(dir: string, train: Record<string, unknown> = {}): Promise<OutputWriteError> {
  const t = await Trainer.create(tinyRunSpec(dir, { train: { epochs: 2, logEvery: 2, ...train } }), { ...quiet, registry: registry() });
  try {
    await t.fit();
  } catch (e) {
    expect(e).toBeInstanceOf(OutputWriteError);
    return e as OutputWriteError;
  } finally {
    t.dispose();
  }
  throw new Error('the run did not fail');
}

describe('a full disk', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));
  afterEach(() => jest.restoreAllMocks());

  it('while writing a checkpoint: names the checkpoint file, the step, and the previous checkpoint that is intact', async () => {
    const dir = await tmp('ckpt');
    const open = fs.open.bind(fs);
    let checkpoints = 0;
    jest.spyOn(fs, 'open').mockImplementation((async (file: fsModule.PathLike, ...rest: unknown[]) => {
      if (String(file).includes('.checkpoint.safetensors.') && ++checkpoints === 2) throw diskFull();
      return (open as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.open);
    // 3 steps per epoch: checkpoints at step 2 (checkpointEvery) and 3 (end of the epoch), which fails.
    const e = await failingRun(dir, { checkpointEvery: 2 });
    const file = path.join(dir, 'checkpoint.safetensors');
    expect(e.message).toBe(
      `could not write the checkpoint ${file} at step 3: ENOSPC: no space left on device, write. ` +
        'The disk is full: free space (or set train.outDir on another disk), then continue with --resume. The previous checkpoint (step 2) is intact.',
    );
    expect([e.file, e.step, e.code]).toEqual([file, 3, 'ENOSPC']);
    // No temporary file is left behind by the failed write.
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('while appending to metrics.jsonl: names the metrics file and the step', async () => {
    const dir = await tmp('metrics');
    jest.spyOn(fs, 'appendFile').mockRejectedValue(diskFull());
    const e = await failingRun(dir);
    expect(e.message).toMatch(new RegExp(`^could not write a metrics line to ${path.join(dir, 'metrics.jsonl').replace(/[.\\/]/g, '\\$&')} at step 2: ENOSPC`));
  });

  it('while writing the report: names report.html and the last step', async () => {
    const dir = await tmp('report');
    const writeFile = fs.writeFile.bind(fs);
    jest.spyOn(fs, 'writeFile').mockImplementation((async (file: fsModule.PathLike, ...rest: unknown[]) => {
      if (String(file).endsWith('report.html')) throw diskFull();
      return (writeFile as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.writeFile);
    const e = await failingRun(dir);
    expect(e.message.startsWith(`could not write the report ${path.join(dir, 'report.html')} at step 6: ENOSPC`)).toBe(true);
  });
});

describe('spec files with faults', () => {
  it('"lr": 1e999 is reported as Infinity, with its path, not as null', async () => {
    const dir = await tmp('lr');
    const file = path.join(dir, 'run.json');
    const text = JSON.stringify(tinyRunSpec(dir)).replace('"lr":0.003', '"lr":1e999');
    expect(text).toContain('1e999');
    await fs.writeFile(file, text);
    await expect(Trainer.create(file, { ...quiet, registry: registry() })).rejects.toThrow('train.optimizer.lr: Infinity is not valid; expected a number > 0');
  });

  it('a plugin file that throws is named', async () => {
    const dir = await tmp('plugin');
    await fs.writeFile(path.join(dir, 'broken-plugin.js'), `throw new Error('boom from plugin file');`);
    const file = path.join(dir, 'run.json');
    await fs.writeFile(file, JSON.stringify({ ...tinyRunSpec(dir), plugins: ['./broken-plugin.js'] }));
    const err = await Trainer.create(file, { ...quiet, registry: registry() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginLoadError);
    expect((err as Error).message).toBe(`plugin "./broken-plugin.js" (${path.join(dir, 'broken-plugin.js')}) failed to load: boom from plugin file`);
  });
});
