import { promises as fs } from 'fs';
import * as path from 'path';
import { buildModel, saveSafetensors } from '@vitkit/core';
import type { ModelSpec } from '@vitkit/core';
import { useBackend } from '@vitkit/core/testing';
import { TINY as TINY_VT_RESNET } from '@vitkit/backbones/testing';
import { jet } from '@vitkit/explain';
import { focusClassToken, TINY_VIT_GRID, TINY_VIT_SPEC } from '@vitkit/explain/testing';
import { createRunRegistry } from './run-setup';
import { fixtureDir, runVitkit, tinyTrainSpec, writeJson } from './testing';

const sharp = require('sharp') as typeof import('sharp');

/** The colormap position (0..1) whose jet colour is nearest to an RGB pixel (the overlay is drawn with alpha 1). */
function heatOf(r: number, g: number, b: number): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i <= 1000; i++) {
    const [jr, jg, jb] = jet(i / 1000);
    const d = (jr - r) ** 2 + (jg - g) ** 2 + (jb - b) ** 2;
    if (d < bestDistance) [best, bestDistance] = [i / 1000, d];
  }
  return best;
}

/** Weights with the inference metadata `vitkit train` writes, so no dataset is read. */
async function saveWithMetadata(model: Parameters<typeof saveSafetensors>[0], file: string, shape: [number, number, number]): Promise<void> {
  const [, , c] = shape;
  await saveSafetensors(model, file, {
    'vitkit.classNames': JSON.stringify(['a', 'b', 'c']),
    'vitkit.normalize': JSON.stringify({ mean: Array(c).fill(0.5), std: Array(c).fill(0.25) }),
    'vitkit.imageShape': JSON.stringify(shape),
  });
}

async function writeImage(file: string, size: number): Promise<string> {
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 13) % 256;
  await sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
  return file;
}

describe('vitkit explain', () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = await fixtureDir();
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('writes the image beside a rollout overlay whose hottest pixel lies in the patch the class token attends to', async () => {
    const patch = 6; // row 1, column 2 of the 4×4 grid of 4-pixel patches
    const model = buildModel(createRunRegistry(), TINY_VIT_SPEC as unknown as ModelSpec);
    focusClassToken(model, patch);
    const weights = path.join(dir, 'focused.safetensors');
    await saveWithMetadata(model, weights, [16, 16, 3]);
    model.dispose();
    const spec = await writeJson(path.join(dir, 'vit.json'), { ...tinyTrainSpec(dir, { model: TINY_VIT_SPEC }), backend: 'cpu' });
    const image = await writeImage(path.join(dir, 'in.png'), 16);
    const out = path.join(dir, 'maps.png');

    const r = await runVitkit(['explain', '--spec', spec, '--weights', weights, '--out', out, '--alpha', '1', image]);
    if (r.code !== 0) throw new Error(r.err);
    expect(r.out).toMatch(/attention rollout: vit \(4×4\)/);

    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([2 * 16, 16]); // the image, then one overlay
    let hottest = { heat: -1, x: -1, y: -1 };
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const p = (y * info.width + 16 + x) * info.channels;
        const heat = heatOf(data[p], data[p + 1], data[p + 2]);
        if (heat > hottest.heat) hottest = { heat, x, y };
      }
    }
    const [, gw] = TINY_VIT_GRID;
    expect([Math.floor(hottest.y / 4), Math.floor(hottest.x / 4)]).toEqual([Math.floor(patch / gw), patch % gw]);
  });

  it("draws each VT module's per-token tokenizer attention for a VT-ResNet spec", async () => {
    const model = buildModel(createRunRegistry(), TINY_VT_RESNET as unknown as ModelSpec);
    const weights = path.join(dir, 'vt.safetensors');
    await saveWithMetadata(model, weights, [32, 32, 3]);
    model.dispose();
    const spec = await writeJson(path.join(dir, 'vt.json'), { ...tinyTrainSpec(dir, { model: TINY_VT_RESNET }), backend: 'cpu' });
    const image = await writeImage(path.join(dir, 'in32.png'), 32);
    const out = path.join(dir, 'vt.png');
    const r = await runVitkit(['explain', '--spec', spec, '--weights', weights, '--out', out, image]);
    if (r.code !== 0) throw new Error(r.err);
    const modules = r.out.split('\n').filter((l) => /VT module \d+: tokenizer attention of 4 tokens on a 2×2 grid/.test(l)).length;
    expect(modules).toBeGreaterThan(0);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([32 * (1 + TINY_VT_RESNET.numTokens), 32 * modules]);
  });

  it("takes a preset's official eval transform and explains T2T-ViT's backbone blocks (not its T2T tokenizer)", async () => {
    const model = buildModel(createRunRegistry(), 't2t_vit_7');
    const weights = path.join(dir, 't2t_vit_7.safetensors');
    await saveSafetensors(model, weights);
    model.dispose();
    const image = await writeImage(path.join(dir, 'in40.png'), 40);
    const out = path.join(dir, 't2t.png');
    // wasm: the 224-px model runs about 3× faster there than on cpu
    const r = await runVitkit(['explain', '--preset', 't2t_vit_7', '--weights', weights, '--out', out, '--backend', 'wasm', image]);
    if (r.code !== 0) throw new Error(r.err);
    expect(r.out).toMatch(/attention rollout: vit \(14×14\)/); // 224 px, the T2T tokenizer's overall stride 16
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([2 * 224, 224]);
  });

  it('names a model without attention as bad input (exit code 3)', async () => {
    const resnet = { type: 'resnet', layers: [1, 1, 1, 1], widths: [4, 4, 8, 8], numClasses: 3, imgSize: 32 };
    const model = buildModel(createRunRegistry(), resnet as unknown as ModelSpec);
    const weights = path.join(dir, 'resnet.safetensors');
    await saveWithMetadata(model, weights, [32, 32, 3]);
    model.dispose();
    const spec = await writeJson(path.join(dir, 'resnet.json'), { ...tinyTrainSpec(dir, { model: resnet }), backend: 'cpu' });
    const r = await runVitkit(['explain', '--spec', spec, '--weights', weights, '--out', path.join(dir, 'resnet.png'), await writeImage(path.join(dir, 'in32r.png'), 32)]);
    expect([r.code, r.err]).toEqual([3, expect.stringMatching(/model: a ResNet has no attention to explain/)]);
  });

  it('refuses bad usage with exit code 2', async () => {
    const both = await runVitkit(['explain', '--preset', 't2t_vit_7', '--spec', 'x.json', '--weights', 'w', '--out', 'o.png', 'a.png']);
    expect([both.code, both.err]).toEqual([2, expect.stringMatching(/--spec or --preset, not both/)]);
    const two = await runVitkit(['explain', '--spec', 'x.json', '--weights', 'w', '--out', 'o.png', 'a.png', 'b.png']);
    expect([two.code, two.err]).toEqual([2, expect.stringMatching(/give one image \(got 2\)/)]);
    const alpha = await runVitkit(['explain', '--spec', 'x.json', '--weights', 'w', '--out', 'o.png', '--alpha', '3', 'a.png']);
    expect([alpha.code, alpha.err]).toEqual([2, expect.stringMatching(/--alpha must be a number in \[0, 1\], got 3/)]);
  });
});
