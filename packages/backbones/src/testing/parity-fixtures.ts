import * as fs from 'fs';
import { fixturePath } from '@vitkit/core/testing';
import { fixtureSpec as t2tFixtureSpec } from './t2t';
import { resnetFixtureSpec } from './resnet-fixtures';

/**
 * The spec of a CrossViT fixture: IBM's `VisionTransformer(img_size=[48, 32], patch_size=[12, 16], embed_dim=[24, 48],
 * num_heads=[2, 2], mlp_ratio=[2, 2, 1], qkv_bias=True, ...)`; `_conv` = `multi_conv=True`, `xattn_seq` = stacked
 * cross-attention (depth [[1, 2, 2], [1, 1, 1]]).
 */
export function crossvitFixtureSpec(name: string): { type: string } & Record<string, unknown> {
  return {
    type: 'dual-branch',
    imgSize: [48, 32],
    patchSize: [12, 16],
    inChans: 3,
    numClasses: 10,
    embedDim: [24, 48],
    depth: name.includes('xattn_seq') ? [[1, 2, 2], [1, 1, 1]] : [[1, 2, 0], [1, 2, 0]],
    numHeads: [2, 2],
    mlpRatio: [2, 2],
    qkvBias: true,
    normEps: 1e-6,
    tokenizer: name.includes('_conv') ? 'conv-stem' : 'patch',
    fusion: 'cross-attention',
  };
}

/** The vitkit model spec of a parity fixture in `../shared/fixtures` (its official constructor, per family). */
export function parityFixtureSpec(name: string): { type: string } & Record<string, unknown> {
  if (name.startsWith('t2t_')) {
    const meta = JSON.parse(fs.readFileSync(fixturePath(`${name}.json`), 'utf8')) as { constructor: string };
    return t2tFixtureSpec(meta.constructor);
  }
  if (name.startsWith('resnet')) return resnetFixtureSpec(name);
  if (name.startsWith('crossvit_')) return crossvitFixtureSpec(name);
  throw new Error(`no spec for fixture ${name}: a t2t_*, resnet* or crossvit_* fixture was expected`);
}

/** The fixtures of the public set (`"set": "public"` in their JSON) that have a safetensors file, by name. */
export function publicParityFixtures(): string[] {
  return fs
    .readdirSync(fixturePath())
    .filter((f) => f.endsWith('.json') && fs.existsSync(fixturePath(f.replace(/\.json$/, '.safetensors'))))
    .map((f) => f.replace(/\.json$/, ''))
    .filter((name) => (JSON.parse(fs.readFileSync(fixturePath(`${name}.json`), 'utf8')) as { set?: string }).set === 'public')
    .sort();
}
