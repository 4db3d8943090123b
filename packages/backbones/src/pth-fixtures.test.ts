import { promises as fs } from 'fs';
import * as path from 'path';
import { createRegistry, readSafetensors, runForward, selectBackend } from '@vitkit/core';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from './plugin';
import { FIXTURES, fixtureSpec as t2tFixtureSpec } from './testing/t2t';
import { resnetFixtureSpec } from './testing';

const PTH = path.join(FIXTURES, 'pth');

/** What `vitkit forward` builds from: the CLI's default plugins, passed explicitly (core loads none by itself). */
const registry = () => createRegistry({ plugins: [tokenizers, backbones, fusion] });

/** The spec of each PyTorch fixture's model (same weights as its safetensors twin, whose __input__/__logits__ are the reference). */
async function specFor(name: string): Promise<Record<string, unknown>> {
  const meta = JSON.parse(await fs.readFile(path.join(FIXTURES, `${name}.json`), 'utf8')) as { constructor: string };
  if (name.startsWith('t2t_')) return t2tFixtureSpec(meta.constructor);
  if (name.startsWith('resnet')) {
    return { plugins: [path.join(__dirname, 'testing', 'resnet-plugin.ts')], model: resnetFixtureSpec(name) };
  }
  // crossvit_tiny_rand: VisionTransformer(img_size=[48, 32], patch_size=[12, 16], embed_dim=[24, 48], depth=[[1, 2, 0], [1, 2, 0]], ...)
  expect(meta.constructor).toContain('depth=[[1, 2, 0], [1, 2, 0]]');
  return {
    type: 'dual-branch',
    imgSize: [48, 32],
    patchSize: [12, 16],
    inChans: 3,
    numClasses: 10,
    embedDim: [24, 48],
    depth: [[1, 2, 0], [1, 2, 0]],
    numHeads: [2, 2],
    mlpRatio: [2, 2],
    qkvBias: true,
    normEps: 1e-6,
    tokenizer: 'patch',
    fusion: 'cross-attention',
  };
}

describe('PyTorch checkpoints reproduce their fixtures through runForward (`vitkit forward --weights x.pth`)', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it.each([
    ['crossvit_tiny_rand.pth', 'crossvit_tiny_rand'],
    ['resnet18_narrow.pth', 'resnet18_narrow'],
    ['t2t_tiny_transformer_rand.pth.tar', 't2t_tiny_transformer_rand'],
  ])('%s gives %s __logits__ to 1e-4', async (file, name) => {
    const reference = path.join(FIXTURES, `${name}.safetensors`);
    const { logits, shape } = await runForward({ spec: (await specFor(name)) as never, registry: registry(), weights: path.join(PTH, file), input: reference });
    const want = (await readSafetensors(reference)).tensors.get('__logits__')!;
    expect(shape).toEqual(want.shape);
    let diff = 0;
    logits.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - want.data[i]))));
    console.log(`${file}: max|logits - __logits__| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('the T2T-ViT checkpoint\'s live weights (state_dict) are other weights: they do not give the EMA logits', async () => {
    const name = 't2t_tiny_transformer_rand';
    const reference = path.join(FIXTURES, `${name}.safetensors`);
    const { logits } = await runForward({ spec: (await specFor(name)) as never, registry: registry(), weights: path.join(PTH, `${name}.pth.tar`), weightsChoice: 'live', input: reference });
    const want = (await readSafetensors(reference)).tensors.get('__logits__')!;
    expect(Math.max(...Array.from(logits, (v, i) => Math.abs(v - want.data[i])))).toBeGreaterThan(1e-2);
  });

  it('a checkpoint for another architecture is refused with the names that do not fit, and nothing is loaded', async () => {
    const reference = path.join(FIXTURES, 't2t_tiny_transformer_rand.safetensors');
    await expect(runForward({ spec: (await specFor('t2t_tiny_transformer_rand')) as never, registry: registry(), weights: path.join(PTH, 'resnet18_narrow.pth'), input: reference })).rejects.toThrow(
      /resnet18_narrow\.pth does not match the model:\n {2}only 0 of the model's \d+ names are in the file: it looks like a checkpoint for another architecture[\s\S]*missing \(\d+\): cls_token, pos_embed[\s\S]*unexpected \(\d+\): conv1\.weight/,
    );
  });
});
