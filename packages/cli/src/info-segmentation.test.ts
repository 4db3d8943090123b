import { runVitkit } from './testing';

describe('vitkit info on a segmentation preset', () => {
  it('reports the whole model and the neck alone at the asked input size (VT paper Table 9 setting)', async () => {
    const r = await runVitkit(['info', 'vt_fpn_resnet50', '--input', '3,800,1216', '--backend', 'cpu', '--json']);
    if (r.code !== 0) throw new Error(r.err);
    const info = JSON.parse(r.out) as { type: string; input: number[]; macs: { total: number; neck: number; backbone: number; head: number } };
    expect(info.type).toBe('segmentation');
    expect(info.input).toEqual([3, 800, 1216]);
    expect(info.macs.neck).toBeGreaterThan(0);
    expect(info.macs.total).toBe(info.macs.backbone + info.macs.neck + info.macs.head);
    // VT-FPN's neck at 800×1216 is several times cheaper than FPN's 55.1 G.
    expect(info.macs.neck * 5).toBeLessThan(55.1e9);
  });
});
