import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildModel, createRegistry, saveSafetensors, selectBackend, stateDict } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { Trainer } from './trainer';
import { syntheticData } from './testing/synthetic';
import { TINY_VIT, tinyRunSpec } from './testing/tiny-run';

function registry() {
  return createRegistry({ plugins: [tokenizers, backbones] });
}

/** A checkpoint of TINY_VIT for 5 classes at 8 px, the source of the fine-tuning runs below. */
async function sourceCheckpoint(dir: string): Promise<{ file: string; tensors: Map<string, number[]> }> {
  const model = buildModel(registry(), { ...TINY_VIT, numClasses: 5 });
  const file = path.join(dir, 'source.safetensors');
  await saveSafetensors(model, file);
  const tensors = new Map([...stateDict(model)].map(([k, v]) => [k, Array.from(v.data)]));
  model.dispose();
  return { file, tensors };
}

describe('the trainer fine-tunes from `model.pretrained` and from `--checkpoint <weights>`', () => {
  let dir: string;
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-pretrained-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('model.pretrained (relative to the spec): 3 classes at 12 px from a 5-class 8 px checkpoint; the log says what happened', async () => {
    const { tensors } = await sourceCheckpoint(dir);
    const lines: string[] = [];
    const spec = tinyRunSpec(path.join(dir, 'run-a'), { model: { ...TINY_VIT, imgSize: 12, pretrained: { path: 'source.safetensors', strict: true } } });
    const specFile = path.join(dir, 'finetune.json');
    await fs.writeFile(specFile, JSON.stringify(spec));
    const t = await Trainer.create(specFile, { registry: registry(), progress: null, log: (l) => lines.push(l), data: syntheticData({ size: 12 }) });
    try {
      const log = lines.join('\n');
      expect(log).toMatch(/pretrained: \d+ tensors loaded from .*source\.safetensors/);
      expect(log).toContain('reset (new head): head.weight [5,16] → [3,16], head.bias [5] → [3]');
      expect(log).toContain('resized (bicubic): pos_embed [1,5,16] → [1,10,16]');
      const now = stateDict(t.model);
      for (const [name, values] of tensors) {
        if (name.startsWith('head.') || name === 'pos_embed') continue;
        expect([name, Array.from(now.get(name)!.data)]).toEqual([name, values]);
      }
      expect(now.get('head.weight')!.shape).toEqual([3, 16]);
    } finally {
      t.dispose();
    }
  });

  it('--checkpoint naming plain weights starts a new run from them (a training checkpoint still resumes)', async () => {
    const { file, tensors } = await sourceCheckpoint(dir);
    const lines: string[] = [];
    const spec = tinyRunSpec(path.join(dir, 'run-b'), { model: { ...TINY_VIT, numClasses: 3 } });
    const t = await Trainer.create(spec, { registry: registry(), progress: null, log: (l) => lines.push(l), data: syntheticData(), resume: file });
    try {
      expect(lines.join('\n')).toMatch(/--checkpoint .*source\.safetensors holds weights, not a training checkpoint: a new run starts from them/);
      expect(t.step).toBe(0);
      expect(Array.from(stateDict(t.model).get('blocks.0.attn.qkv.weight')!.data)).toEqual(tensors.get('blocks.0.attn.qkv.weight'));
    } finally {
      t.dispose();
    }
  });

  it('resuming does not read model.pretrained (the checkpoint has the weights)', async () => {
    const out = path.join(dir, 'run-c');
    const first = await Trainer.create(tinyRunSpec(out), { registry: registry(), progress: null, log: () => undefined, data: syntheticData(), stopAfterStep: 1 });
    await first.fit();
    first.dispose();
    const spec = tinyRunSpec(out, { model: { ...TINY_VIT, pretrained: '/nonexistent/weights.pth' } });
    const resumed = await Trainer.create(spec, { registry: registry(), progress: null, log: () => undefined, data: syntheticData(), resume: true });
    expect(resumed.step).toBe(1);
    resumed.dispose();
  });
});
