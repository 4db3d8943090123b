import { buildModel, createRegistry, selectBackend } from '@vitkit/core';
import type { ImageClassifier, ModelSpec } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as fusion } from '@vitkit/fusion';
import { TINY as TINY_VT_RESNET } from '@vitkit/backbones/testing';
import { jet } from '@vitkit/explain';
import { focusClassToken, TINY_VIT_GRID, TINY_VIT_SPEC } from '@vitkit/explain/testing';
import { InMemoryBatches } from '../loop/in-memory-batches';
import { embeddedPngs } from '../testing/embedded-pngs';
import type { DecodedPng } from '../testing/embedded-pngs';
import { attentionPicturesHtml } from './attention-pictures';

const registry = createRegistry({ plugins: [tokenizers, backbones, fusion] });
const NORMALIZE = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
const CLASSES = ['a', 'b', 'c'];

/** `count` varied RGB images of `size` px, normalised with NORMALIZE, labels cycling through the classes. */
function heldOut(count: number, size: number): InMemoryBatches {
  const images = new Float32Array(count * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = (((i * 37) % 256) / 255 - 0.5) / 0.25;
  return new InMemoryBatches({ images, shape: [size, size, 3], labels: Array.from({ length: count }, (_, i) => i % 3), numClasses: 3 }, { batchSize: count });
}

function picturesOf(model: ImageClassifier, size: number): Promise<string> {
  return attentionPicturesHtml({ model, source: heldOut(4, size), normalize: NORMALIZE, classNames: CLASSES });
}

/** The colormap position (0..1) whose jet colour is nearest to an RGB colour. */
function heatOf(rgb: readonly number[]): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i <= 1000; i++) {
    const d = jet(i / 1000).reduce((sum, v, c) => sum + (v - rgb[c]) ** 2, 0);
    if (d < bestDistance) [best, bestDistance] = [i / 1000, d];
  }
  return best;
}

/**
 * The pixel of a picture's first overlay (right of the `size` px image) whose heat is highest. The report blends
 * with alpha ½, so the heat colour is recovered as 2·overlay − image, from the image drawn on the left.
 */
function hottestPixel(p: DecodedPng, size: number): { x: number; y: number } {
  let hottest = { heat: -1, x: -1, y: -1 };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const image = (y * p.width + x) * p.channels;
      const overlay = image + size * p.channels;
      const heat = heatOf([0, 1, 2].map((c) => 2 * p.pixels[overlay + c] - p.pixels[image + c]));
      if (heat > hottest.heat) hottest = { heat, x, y };
    }
  }
  return hottest;
}

describe("the report's attention pictures, per kind of model", () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it("ViT: each image's rollout overlay is hottest in the patch the class token is made to attend to", async () => {
    const patch = 9; // row 2, column 1 of the 4×4 grid of 4-pixel patches
    const model = buildModel(registry, TINY_VIT_SPEC as unknown as ModelSpec);
    focusClassToken(model, patch);
    const html = await picturesOf(model, 16);
    model.dispose();
    const pngs = await embeddedPngs(html);
    expect(pngs).toHaveLength(4);
    const [, gw] = TINY_VIT_GRID;
    for (const p of pngs) {
      expect([p.width, p.height]).toEqual([2 * 16, 16]);
      const { x, y } = hottestPixel(p, 16);
      expect([Math.floor(y / 4), Math.floor(x / 4)]).toEqual([Math.floor(patch / gw), patch % gw]);
    }
    expect(html).toMatch(/true a, predicted [abc]/);
  });

  it('CrossViT: one overlay per branch, each on its own patch grid', async () => {
    const spec = {
      type: 'dual-branch', imgSize: [24, 16], patchSize: [6, 8], inChans: 3, numClasses: 3, embedDim: [8, 16],
      depth: [[1, 1, 0]], numHeads: [2, 2], mlpRatio: [2, 2], tokenizer: 'patch', fusion: 'cross-attention',
    };
    const model = buildModel(registry, spec as unknown as ModelSpec);
    const html = await picturesOf(model, 24);
    model.dispose();
    const pngs = await embeddedPngs(html);
    expect(pngs).toHaveLength(4);
    for (const p of pngs) expect([p.width, p.height]).toEqual([3 * 24, 24]);
    expect(html).toMatch(/attention rollout: branch 0 \(4×4\), branch 1 \(2×2\)/);
  });

  it("VT-ResNet: one row per VT module, each visual token's tokenizer attention beside the image", async () => {
    const model = buildModel(registry, TINY_VT_RESNET as unknown as ModelSpec);
    const html = await picturesOf(model, 32);
    model.dispose();
    const pngs = await embeddedPngs(html);
    expect(pngs).toHaveLength(4);
    const modules = [...(html.match(/<small>([^<]*)<\/small>/)?.[1] ?? '').matchAll(/VT module \d+: tokenizer attention of 4 tokens on a 2×2 grid/g)].length;
    expect(modules).toBeGreaterThan(0);
    for (const p of pngs) expect([p.width, p.height]).toEqual([32 * (1 + TINY_VT_RESNET.numTokens), 32 * modules]);
  });
});
