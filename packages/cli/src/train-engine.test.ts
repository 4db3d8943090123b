import { promises as fs } from 'fs';
import * as path from 'path';
import { fixtureDir, runVitkit, tinyTrainSpec, writeJson } from './testing';

// `vitkit train --engine torch` hands the spec to the PyTorch twin (torchrun); the round trip itself is
// `npm run test:twin`. Here: the flags are checked before anything starts.
describe('vitkit train --engine', () => {
  let dir: string;
  let spec: string;
  beforeAll(async () => {
    dir = await fixtureDir();
    spec = await writeJson(path.join(dir, 'train.json'), { ...tinyTrainSpec(path.join(dir, 'run')), backend: 'cpu' });
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('rejects an unknown engine (usage error)', async () => {
    const r = await runVitkit(['train', '--spec', spec, '--engine', 'jax']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--engine must be vitkit or torch, got "jax"/);
  });

  it('rejects a process count that is not a positive integer', async () => {
    const r = await runVitkit(['train', '--spec', spec, '--engine', 'torch', '--nproc', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--nproc must be a positive integer, got "0"/);
  });
});
