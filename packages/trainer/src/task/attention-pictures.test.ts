import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, selectBackend } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { Trainer } from '../trainer';
import { syntheticData } from '../testing/synthetic';
import { tinyRunSpec } from '../testing/tiny-run';
import { embeddedPngs } from '../testing/embedded-pngs';

const quiet = { progress: null, log: () => undefined, data: syntheticData() } as const;
const registry = () => createRegistry({ plugins: [tokenizers, backbones] });

/** report.html of a one-epoch run of `model` (default: the tiny ViT) on synthetic data. */
async function reportOf(model?: Record<string, unknown>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-report-attn-'));
  try {
    const spec = tinyRunSpec(dir, { train: { epochs: 1 } });
    if (model) spec.model = model;
    const t = await Trainer.create(spec, { ...quiet, registry: registry() });
    await t.fit();
    t.dispose();
    return await fs.readFile(path.join(dir, 'report.html'), 'utf8');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('the training report shows what a classifier looks at', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('a ViT run: held-out images, each beside its attention rollout, with true and predicted classes', async () => {
    const html = await reportOf();
    expect(html).toContain('<h2>What the model looks at</h2>');
    const pngs = await embeddedPngs(html);
    expect(pngs).toHaveLength(4);
    for (const p of pngs) {
      // the 8×8 image and one 8×8 overlay side by side; the overlay differs from the plain image (a heat map on it)
      expect([p.width, p.height]).toEqual([16, 8]);
      const { channels } = p;
      let differs = 0;
      for (let y = 0; y < p.height; y++)
        for (let x = 0; x < 8; x++)
          for (let c = 0; c < 3; c++) differs += Number(p.pixels[(y * p.width + x) * channels + c] !== p.pixels[(y * p.width + x + 8) * channels + c]);
      expect(differs).toBeGreaterThan(0);
    }
    expect(html).toMatch(/true class\d, predicted class\d/);
    expect(html).toMatch(/attention rollout: vit \(2×2\)/);
  });

  it('a model without attention (ResNet): one line says so, the report is still written', async () => {
    const html = await reportOf({ type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [2, 2, 2, 2], numClasses: 3, imgSize: 8, inChans: 1 });
    expect(html).toContain('<h2>What the model looks at</h2>');
    expect(html).toMatch(/a ResNet has no attention to explain/);
    expect(html).not.toContain('data:image/png');
  });
});
