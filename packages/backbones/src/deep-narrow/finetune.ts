import { init, loadStateDict, resizePosEmbedTo, tf } from '@vitkit/core';
import type { HostTensor, LoadResult, TensorMap } from '@vitkit/core';
import type { DeepNarrowViT } from './deep-narrow';

export interface AdaptCheckpointOptions {
  /** Side of the target token grid (e.g. 24 for T2T-ViT at 384 px). Default: the checkpoint's own. */
  gridSize?: number;
  /** Target class count; a different count replaces `head.*` with a fresh head (trunc-normal .02, zero bias). */
  numClasses?: number;
  /**
   * `bicubic` (default, the official `utils.resize_pos_embed`: class row kept, grid resized with PyTorch's bicubic,
   * align_corners=False) or `sinusoid` (recompute T2T-ViT's fixed table for the new length).
   */
  posEmbed?: 'bicubic' | 'sinusoid';
}

function host(t: tf.Tensor): HostTensor {
  return { shape: [...t.shape], data: t.dataSync() as Float32Array, dtype: 'F32' };
}

/**
 * Resizes a `[1, prefix + g², C]` position table to a `G × G` grid: the prefix (class token) rows are kept, the
 * grid is resized with bicubic interpolation identical to `F.interpolate(mode='bicubic', align_corners=False)`
 * (core's `resizePosEmbedTo`, which every family's fine-tuning uses).
 */
export function resizePosEmbed(pos: HostTensor, newGrid: number, numPrefixTokens = 1): HostTensor {
  const [one, n, c] = pos.shape;
  const g = Math.round(Math.sqrt(n - numPrefixTokens));
  if (pos.shape.length !== 3 || one !== 1 || g * g !== n - numPrefixTokens) {
    throw new Error(`resizePosEmbed: expected [1, ${numPrefixTokens} + g², C], got [${pos.shape}]`);
  }
  if (!Number.isInteger(newGrid) || newGrid < 1) throw new RangeError(`resizePosEmbed: grid size must be a positive integer, got ${newGrid}`);
  return resizePosEmbedTo(pos, [1, numPrefixTokens + newGrid * newGrid, c], numPrefixTokens, 'resizePosEmbed');
}

function sinusoid(nPosition: number, dim: number): HostTensor {
  // Same table as core's sinusoidTable (float64 then float32), built on the host.
  const data = new Float32Array(nPosition * dim);
  for (let pos = 0; pos < nPosition; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      data[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return { shape: [1, nPosition, dim], data, dtype: 'F32' };
}

function isModel(x: unknown): x is DeepNarrowViT {
  return typeof x === 'object' && x !== null && typeof (x as DeepNarrowViT).namedParameters === 'function';
}

/**
 * Fine-tuning helper (the official `utils.load_state_dict` for transfer learning): adapts a T2T-ViT checkpoint to
 * another image size (position grid resized bicubically) and/or another class count (head reset).
 *
 * `target` is either the model that will receive the weights (grid size, class count and the fresh head are taken
 * from it, so the result loads strictly into it) or explicit options. Returns a new tensor map.
 */
export function adaptT2TCheckpoint(tensors: TensorMap, target: DeepNarrowViT | AdaptCheckpointOptions, options: Pick<AdaptCheckpointOptions, 'posEmbed'> = {}): TensorMap {
  const out: TensorMap = new Map(tensors);
  const pos = tensors.get('pos_embed');
  if (!pos) throw new Error('adaptT2TCheckpoint: the checkpoint has no pos_embed');
  const [, n, c] = pos.shape;
  const oldGrid = Math.round(Math.sqrt(n - 1));
  const mode = (isModel(target) ? options.posEmbed : target.posEmbed ?? options.posEmbed) ?? 'bicubic';
  const grid = isModel(target) ? Math.round(Math.sqrt(target.numTokens)) : target.gridSize ?? oldGrid;
  if (isModel(target) && grid * grid !== target.numTokens) throw new Error(`adaptT2TCheckpoint: the model's ${target.numTokens} tokens are not a square grid`);
  if (isModel(target) && target.embedDim !== c) {
    throw new Error(`adaptT2TCheckpoint: checkpoint width ${c} differs from the model's embedDim ${target.embedDim}; only the image size and class count can change`);
  }
  if (grid !== oldGrid) out.set('pos_embed', mode === 'sinusoid' ? sinusoid(grid * grid + 1, c) : resizePosEmbed(pos, grid, 1));

  const headW = tensors.get('head.weight');
  const oldClasses = headW ? headW.shape[0] : 0;
  const numClasses = isModel(target) ? target.config.numClasses : target.numClasses ?? oldClasses;
  if (numClasses !== oldClasses) {
    out.delete('head.weight');
    out.delete('head.bias');
    if (isModel(target)) {
      for (const [name, p] of target.namedParameters()) {
        if (!name.startsWith('head.')) continue;
        const t = p.toTorch();
        out.set(name, host(t));
        t.dispose();
      }
    } else if (numClasses > 0) {
      const features = headW ? headW.shape[1] : tensors.get('norm.weight')?.shape[0];
      if (!features) throw new Error('adaptT2TCheckpoint: cannot tell the feature width (no head.weight or norm.weight)');
      const w = init.truncNormal(0.02)([numClasses, features]);
      out.set('head.weight', host(w));
      w.dispose();
      out.set('head.bias', { shape: [numClasses], data: new Float32Array(numClasses), dtype: 'F32' });
    }
  }
  return out;
}

/**
 * Loads a T2T-ViT checkpoint for fine-tuning into `model`, whatever its image size and class count: position grid
 * resized, head reset when the class count differs, then a strict load (`module.` prefixes are accepted).
 */
export function loadT2TCheckpoint(model: DeepNarrowViT, tensors: TensorMap, options: Pick<AdaptCheckpointOptions, 'posEmbed'> & { source?: string } = {}): LoadResult {
  const stripped: TensorMap = new Map([...tensors].map(([k, v]) => [model.adaptStateDictKey(k), v]));
  return loadStateDict(model, adaptT2TCheckpoint(stripped, model, options), { strict: true, source: options.source });
}
