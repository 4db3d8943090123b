// A process killed while writing a checkpoint leaves `.checkpoint.safetensors.<pid>.<ms>.tmp` behind; the next run
// in that folder removes those of dead processes, and nothing else.
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, selectBackend, writeFileAtomic } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { processIsAlive, removeStaleTempFiles } from './stale-temp-files';
import { syntheticData } from './testing/synthetic';
import { tinyRunSpec } from './testing/tiny-run';
import { Trainer } from './trainer';

/** The id of a process that has exited (a child run to completion). */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  return Number(pid);
}

async function folderWithLeftovers() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-stale-'));
  const dead = deadPid();
  expect(processIsAlive(dead)).toBe(false);
  const live = process.ppid; // jest's parent process: alive while this test runs
  expect(processIsAlive(live)).toBe(true);
  const files = {
    deadCheckpoint: `.checkpoint.safetensors.${dead}.1764745200000.tmp`,
    deadModel: `.model.safetensors.${dead}.1764745200001.tmp`,
    liveCheckpoint: `.checkpoint.safetensors.${live}.1764745200002.tmp`,
    otherKind: `.notes.txt.${dead}.1764745200003.tmp`,
    notATempName: `checkpoint.safetensors.${dead}.tmp`,
  };
  for (const f of Object.values(files)) await fs.writeFile(path.join(dir, f), 'partial');
  await fs.mkdir(path.join(dir, 'sub'));
  await fs.writeFile(path.join(dir, 'sub', files.deadCheckpoint), 'partial');
  return { dir, dead, files };
}

describe('temporary files left by a killed run', () => {
  it("match the names core's writeFileAtomic gives its temporary files", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-stale-names-'));
    const rename = jest.spyOn(fs, 'rename');
    try {
      await writeFileAtomic(path.join(dir, 'checkpoint.safetensors'), 'data');
      const tmp = path.basename(String(rename.mock.calls[0][0]));
      // The same name as if a process now gone had written it.
      const left = tmp.replace(`.${process.pid}.`, `.${deadPid()}.`);
      expect(left).not.toBe(tmp);
      await fs.writeFile(path.join(dir, left), 'partial');
    } finally {
      rename.mockRestore();
    }
    const removed = await removeStaleTempFiles(dir, ['checkpoint.safetensors']);
    expect(removed).toHaveLength(1);
    expect(await fs.readdir(dir)).toEqual(['checkpoint.safetensors']);
  });

  it('are removed when their process is gone; a live process\'s, other kinds and subfolders are left alone', async () => {
    const { dir, dead, files } = await folderWithLeftovers();
    const removed = await removeStaleTempFiles(dir, ['checkpoint.safetensors', 'model.safetensors']);
    expect(removed.map((r) => path.basename(r.file)).sort()).toEqual([files.deadCheckpoint, files.deadModel].sort());
    expect(removed.every((r) => r.pid === dead)).toBe(true);
    expect((await fs.readdir(dir)).sort()).toEqual([files.liveCheckpoint, files.notATempName, files.otherKind, 'sub'].sort());
    expect(await fs.readdir(path.join(dir, 'sub'))).toEqual([files.deadCheckpoint]);
  });

  it('a fresh run and a resumed run clean their output folder, saying what they removed', async () => {
    await selectBackend('cpu', { quiet: true });
    const { dir, files } = await folderWithLeftovers();
    const lines: string[] = [];
    const options = { progress: null, log: (l: string) => lines.push(l), data: syntheticData({ train: 16, test: 6 }), report: false } as const;
    const spec = tinyRunSpec(dir, { train: { epochs: 1 } });
    const fresh = await Trainer.create(spec, { ...options, registry: createRegistry({ plugins: [tokenizers, backbones] }), stopAfterStep: 1 });
    expect(lines).toContain(`removed ${path.join(dir, files.deadCheckpoint)}, a temporary file left by process ${files.deadCheckpoint.split('.')[3]} (killed while writing)`);
    expect(await fs.readdir(dir)).not.toContain(files.deadModel);
    expect(await fs.readdir(dir)).toContain(files.liveCheckpoint);
    await fresh.fit();
    fresh.dispose();

    const again = `.checkpoint.safetensors.${deadPid()}.1764745300000.tmp`;
    await fs.writeFile(path.join(dir, again), 'partial');
    const resumed = await Trainer.create(spec, { ...options, registry: createRegistry({ plugins: [tokenizers, backbones] }), resume: true });
    expect(await fs.readdir(dir)).not.toContain(again);
    expect(resumed.step).toBe(1);
    resumed.dispose();
  });
});
