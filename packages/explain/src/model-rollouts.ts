import { tf } from '@vitkit/core';
import type { RecordedAttention } from '@vitkit/core';
import { attentionRollout } from './rollout';
import { patchGrid } from './patch-grid';

/** One rollout map: `[B, gridH, gridW]`, named after what it explains (`vit`, `branch 0`, …). */
export interface NamedRollout {
  readonly name: string;
  readonly map: tf.Tensor3D;
}

// ViT and T2T-ViT backbone blocks (timm names); the T2T tokenizer's token transformers live under patch_embed / tokens_to_token.
const VIT_BLOCK = /^blocks\.(\d+)\.attn$/;
// CrossViT (official names): blocks.{stage}.blocks.{branch}.{block}.attn; the fusion's cross-attention is not a
// self-attention over the branch tokens and is left out, as in the usual per-branch rollout.
const CROSSVIT_BLOCK = /^blocks\.(\d+)\.blocks\.(\d+)\.(\d+)\.attn$/;

function rolloutOf(maps: readonly RecordedAttention[], inputSize: readonly [number, number]): tf.Tensor3D {
  const n = maps[0].probs.shape[2];
  return attentionRollout(
    maps.map((m) => m.probs),
    patchGrid(n - 1, inputSize),
  );
}

/** Rollout over a ViT's or T2T-ViT's backbone blocks (`blocks.{i}.attn`), in recorded order. */
export function vitRollout(maps: readonly RecordedAttention[], inputSize: readonly [number, number]): tf.Tensor3D {
  const blocks = maps.filter((m) => VIT_BLOCK.test(m.path));
  if (blocks.length === 0) throw new Error(`vitRollout: no backbone block attention (blocks.{i}.attn) among the recorded paths: ${describe(maps)}`);
  return rolloutOf(blocks, inputSize);
}

/** One rollout per CrossViT branch over that branch's self-attention blocks, branch 0 first. */
export function crossVitRollouts(maps: readonly RecordedAttention[], inputSize: readonly [number, number]): tf.Tensor3D[] {
  const byBranch = new Map<number, RecordedAttention[]>();
  for (const m of maps) {
    const match = CROSSVIT_BLOCK.exec(m.path);
    if (!match) continue;
    const branch = Number(match[2]);
    byBranch.set(branch, [...(byBranch.get(branch) ?? []), m]);
  }
  if (byBranch.size === 0) {
    throw new Error(`crossVitRollouts: no branch block attention (blocks.{stage}.blocks.{branch}.{i}.attn) among the recorded paths: ${describe(maps)}`);
  }
  // One tidy: a branch that fails frees the rollouts already computed.
  return tf.tidy(() => [...byBranch.keys()].sort((a, b) => a - b).map((b) => rolloutOf(byBranch.get(b)!, inputSize)));
}

/** The rollouts a model's recorded attention supports: one per CrossViT branch, else one over the ViT blocks. */
export function modelRollouts(maps: readonly RecordedAttention[], inputSize: readonly [number, number]): NamedRollout[] {
  if (maps.some((m) => CROSSVIT_BLOCK.test(m.path))) return crossVitRollouts(maps, inputSize).map((map, i) => ({ name: `branch ${i}`, map }));
  return [{ name: 'vit', map: vitRollout(maps, inputSize) }];
}

function describe(maps: readonly RecordedAttention[]): string {
  if (maps.length === 0) return '(none: was the forward pass run while recording?)';
  const paths = [...new Set(maps.map((m) => m.path))];
  return paths.slice(0, 6).join(', ') + (paths.length > 6 ? `, … (${paths.length} in all)` : '');
}
