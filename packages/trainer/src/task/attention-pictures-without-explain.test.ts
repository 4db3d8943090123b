import { buildModel, createRegistry, selectBackend } from '@vitkit/core';
import type { ModelSpec } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { InMemoryBatches } from '../loop/in-memory-batches';
import { TINY_VIT } from '../testing/tiny-run';
import { attentionPicturesHtml } from './attention-pictures';

// @vitkit/explain is an optional peer of the trainer: here it is not installed.
jest.mock('@vitkit/explain', () => {
  throw new Error("Cannot find module '@vitkit/explain' from 'attention-pictures.ts'");
});

describe('attention pictures without @vitkit/explain installed', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('the section is one line saying what to install, and the model is left as it was', async () => {
    const model = buildModel(createRegistry({ plugins: [tokenizers, backbones] }), TINY_VIT as unknown as ModelSpec);
    model.train();
    const source = new InMemoryBatches({ images: new Float32Array(2 * 8 * 8), shape: [8, 8, 1], labels: [0, 1], numClasses: 3 }, { batchSize: 2 });
    const html = await attentionPicturesHtml({ model, source, normalize: { mean: [0.5], std: [0.25] }, classNames: ['a', 'b', 'c'] });
    expect(html).toMatch(/<p class="note">attention pictures need @vitkit\/explain \(npm install @vitkit\/explain sharp\): Cannot find module '@vitkit\/explain'/);
    expect(html).not.toContain('<img');
    expect(model.training).toBe(true);
    model.dispose();
  });
});
