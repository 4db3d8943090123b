import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, selectBackend, stateDict } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { Trainer } from './trainer';
import { loadCheckpoint } from './checkpoint';
import { syntheticData } from './testing/synthetic';
import { killWhenCheckpointed, TS_REQUIRE_HOOK } from './testing/kill-child';

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
    await fs.writeFile(path.join(dirB, 'register.js'), TS_REQUIRE_HOOK);
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
    const file = path.join(dirB, 'checkpoint.safetensors');
    const killedAt = await killWhenCheckpointed(child, file, 3);
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
