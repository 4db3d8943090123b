import { promises as fs } from 'fs';
import * as path from 'path';
import { modelInfo, selectBackend } from '@vitkit/core';
import { SHARED, t2tRegistry } from '../testing';

let counts: Record<string, { params_total: number; macs_matmul_conv: number }>;

beforeAll(async () => {
  await selectBackend('wasm', { quiet: true });
  counts = JSON.parse(await fs.readFile(path.join(SHARED, 'reference/counts.json'), 'utf8'));
});

// A batch-1 forward at 224 per preset; the performer path (T2T-ViT-7) and the transformer path (T2T-ViT_t-14) are
// checked here (the blocks' count is the same formula for every depth/width). All nine were measured with
// modelInfo in the same way (see the report); a forward of the 40-64M-parameter ones takes minutes on a shared CPU.
describe('T2T-ViT MACs (all matmuls + convs of a batch-1 forward at 224) within 1% of macs_matmul_conv', () => {
  it.each([
    ['T2T-ViT-7', 't2t_vit_7'],
    ['T2T-ViT_t-14', 't2t_vit_t_14'],
  ])('%s', (variant, preset) => {
    const info = modelInfo(t2tRegistry(), preset);
    const ref = counts[variant].macs_matmul_conv;
    console.log(`${variant}: macs ${info.macs} vs reference ${ref} (${(((info.macs - ref) / ref) * 100).toFixed(4)}%) ${JSON.stringify(info.macsByKind)}`);
    expect(info.paramsTotal).toBe(counts[variant].params_total);
    expect(Math.abs(info.macs - ref) / ref).toBeLessThan(0.01);
  });
});
