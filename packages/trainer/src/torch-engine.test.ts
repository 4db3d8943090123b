import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { launchTorchTraining, TorchEngineError, torchrunArgs } from './torch-engine';

describe('torch engine launcher (torchrun command line)', () => {
  it('runs N processes on one node meeting on the given local port (not --standalone\'s fixed 29400)', () => {
    const args = torchrunArgs({ spec: 's.json', nproc: 4, outDir: '/runs/a' }, '/runs/a/torch-spec.json', '/specs', 41234);
    expect(args.slice(0, 10)).toEqual(['-m', 'torch.distributed.run', '--nproc_per_node', '4', '--nnodes', '1', '--rdzv_backend', 'c10d', '--rdzv_endpoint', 'localhost:41234']);
    expect(args).not.toContain('--standalone');
    expect(args.slice(args.indexOf('-m', 1))).toEqual(['-m', 'vitkit_torch.train', '--spec', '/runs/a/torch-spec.json', '--base-dir', '/specs', '--out-dir', '/runs/a']);
  });

  it('joins M nodes through a c10d rendezvous and passes --resume', () => {
    const args = torchrunArgs({ spec: 's.json', nproc: 8, nnodes: 2, rdzvEndpoint: 'node0:29400', rdzvId: 'job7', resume: true }, 's.json');
    expect(args.join(' ')).toContain('--nproc_per_node 8 --nnodes 2 --rdzv_backend c10d --rdzv_endpoint node0:29400 --rdzv_id job7');
    expect(args[args.length - 1]).toBe('--resume');
    expect(torchrunArgs({ spec: 's.json', resume: 'ck.safetensors' }, 's.json').slice(-2)).toEqual(['--resume', 'ck.safetensors']);
  });

  it('rejects bad process counts and multi-node runs without a rendezvous endpoint', () => {
    expect(() => torchrunArgs({ spec: 's.json', nproc: 0 }, 's.json')).toThrow(new TorchEngineError('--nproc must be an integer >= 1, got 0'));
    expect(() => torchrunArgs({ spec: 's.json', nnodes: 2 }, 's.json')).toThrow(/--nnodes 2 needs --rdzv-endpoint host:port/);
  });
});

describe('torch engine launcher (the spec it writes)', () => {
  it('writes the model and a distillation teacher given as presets out as explicit specs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-torch-engine-'));
    try {
      const spec = path.join(dir, 's.json');
      const distillation = { teacher: 't2t_vit_7', weights: 'teacher.safetensors', type: 'soft' };
      fs.writeFileSync(spec, JSON.stringify({ model: 'vit_s_bench_32', data: {}, train: { epochs: 1, distillation } }));
      // `true` stands in for python: the launcher's own work is the spec it writes.
      const registry = createRegistry({ plugins: [tokenizers, backbones] });
      expect(await launchTorchTraining({ spec, registry, outDir: path.join(dir, 'out'), python: 'true', log: () => {} })).toBe(0);
      const written = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'torch-spec.json'), 'utf8'));
      expect(written.model).toMatchObject({ type: 'vit', embedDim: 192 });
      expect(written.train.distillation).toMatchObject({ weights: 'teacher.safetensors', type: 'soft', teacher: { type: 'deep-narrow', embedDim: 256, depth: 7 } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
