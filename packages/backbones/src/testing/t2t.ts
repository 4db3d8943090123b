import { promises as fs } from 'fs';
import * as path from 'path';
import { buildModel, createRegistry, selectBackend, tf } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import { registerT2T } from '@vitkit/tokenizers';
import { registerDeepNarrow } from '../deep-narrow';
import { sharedDir } from '@vitkit/core/testing';

export const SHARED = sharedDir();
export const FIXTURES = path.join(SHARED, 'fixtures');

/** A registry with the t2t tokenizer and the deep-narrow backbone only (what the package plugins will wire in). */
export function t2tRegistry(): Registry {
  return createRegistry({
    plugins: [
      {
        name: 't2t-test',
        register: (r) => {
          registerT2T(r);
          registerDeepNarrow(r);
        },
      },
    ],
  });
}

/**
 * Model spec of a T2T fixture, derived from its JSON `constructor` string
 * (`T2T_ViT(img_size=64, tokens_type='performer', ..., token_dim=32[, qk_scale=64 ** -0.5])`).
 */
export function fixtureSpec(constructorCall: string): { type: string } & Record<string, unknown> {
  const arg = (name: string): string => {
    const m = new RegExp(`${name}=([^,)]+)`).exec(constructorCall);
    if (!m) throw new Error(`fixture constructor has no ${name}: ${constructorCall}`);
    return m[1].trim();
  };
  const num = (name: string) => Number(arg(name));
  const qk = /qk_scale=([0-9.]+) \*\* (-?[0-9.]+)/.exec(constructorCall);
  return {
    type: 'deep-narrow',
    imgSize: num('img_size'),
    inChans: num('in_chans'),
    numClasses: num('num_classes'),
    embedDim: num('embed_dim'),
    depth: num('depth'),
    numHeads: num('num_heads'),
    mlpRatio: num('mlp_ratio'),
    ...(qk ? { qkScale: Number(qk[1]) ** Number(qk[2]) } : {}),
    tokenizer: { type: 't2t', attention: arg('tokens_type').replace(/'/g, ''), tokenDim: num('token_dim') },
  };
}

/** counts.json keys (official variant names) → preset names. */
export const PRESETS: Record<string, string> = {
  'T2T-ViT-7': 't2t_vit_7',
  'T2T-ViT-10': 't2t_vit_10',
  'T2T-ViT-12': 't2t_vit_12',
  'T2T-ViT-14': 't2t_vit_14',
  'T2T-ViT-19': 't2t_vit_19',
  'T2T-ViT-24': 't2t_vit_24',
  'T2T-ViT_t-14': 't2t_vit_t_14',
  'T2T-ViT_t-19': 't2t_vit_t_19',
  'T2T-ViT_t-24': 't2t_vit_t_24',
};

export interface ReferenceCounts {
  reference_fn: string;
  params_total: number;
  params_trainable: number;
  macs_matmul_conv: number;
}

/** The official code's parameter counts and MACs per variant (`../shared/reference/counts.json`). */
export async function readReferenceCounts(): Promise<Record<string, ReferenceCounts>> {
  return JSON.parse(await fs.readFile(path.join(SHARED, 'reference/counts.json'), 'utf8'));
}

/**
 * Jest suite: each of `variants` builds through the registry with exactly the official parameter counts
 * (total and trainable) and frees every tensor it made. Split over files because large models take a while.
 */
export function describeOfficialCounts(variants: readonly string[]): void {
  let counts: Record<string, ReferenceCounts>;
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
    counts = await readReferenceCounts();
  });
  describe('T2T-ViT presets: parameter counts equal the official code (counts.json)', () => {
    it.each(Object.entries(PRESETS).filter(([v]) => variants.includes(v)))('%s (%s)', (variant, preset) => {
      const ref = counts[variant];
      expect(ref.reference_fn).toBe(preset);
      const registry = t2tRegistry();
      const before = tf.memory().numTensors;
      const model = buildModel(registry, preset);
      const c = model.countParameters();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect({ total: c.total, trainable: c.trainable }).toEqual({ total: ref.params_total, trainable: ref.params_trainable });
    });
  });
}
