import { promises as fs } from 'fs';
import * as path from 'path';
import { buildModel, IMAGENET_CLASSES, saveSafetensors } from '@vitkit/core';
import { useBackend } from '@vitkit/core/testing';
import { createRunRegistry } from './run-setup';
import { fixtureDir, runVitkit } from './testing';

describe('vitkit predict --preset (published weights: official eval transform, ImageNet names)', () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = await fixtureDir();
    const sharp = require('sharp') as typeof import('sharp');
    const raw = Buffer.alloc(40 * 40 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 256;
    await sharp(raw, { raw: { width: 40, height: 40, channels: 3 } }).png().toFile(path.join(dir, 'img.png'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('prints the top-5 ImageNet class names of each image as JSON', async () => {
    const model = buildModel(createRunRegistry(), 't2t_vit_7');
    const weights = path.join(dir, 't2t_vit_7.safetensors');
    await saveSafetensors(model, weights);
    model.dispose();
    const r = await runVitkit(['predict', '--preset', 't2t_vit_7', '--weights', weights, '--backend', 'cpu', '--json', path.join(dir, 'img.png')]);
    if (r.code !== 0) throw new Error(r.err);
    const [res] = JSON.parse(r.out) as Array<{ file: string; top: Array<{ label: string; probability: number }> }>;
    expect(res.top).toHaveLength(5);
    for (const t of res.top) expect(IMAGENET_CLASSES).toContain(t.label);
  });

  it('refuses --spec and --preset together (usage error)', async () => {
    const r = await runVitkit(['predict', '--preset', 't2t_vit_7', '--spec', 'x.json', '--weights', 'w.safetensors', 'img.png']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--spec or --preset, not both/);
  });
});
