// Weights from bytes in memory, whatever the format: portable (Node and browsers). From a path: ./read-weights (Node).
import { checkpointWeights } from './pth/checkpoint-layout';
import type { WeightsChoice } from './pth/checkpoint-layout';
import { PthError } from './pth/pth-error';
import { isLegacyPth, isZip, parsePth } from './pth/read-pth';
import { parseSafetensors, SafetensorsError } from './safetensors-format';
import type { TensorMap } from './safetensors-format';

export type WeightsFormat = 'safetensors' | 'pth-zip' | 'pth-legacy';

export interface ReadWeightsOptions {
  /** For a training checkpoint holding both: `auto` (default; see {@link WeightsChoice}), `ema` or `live`. */
  weights?: WeightsChoice;
  /** Names the source in errors when bytes are given. */
  source?: string;
}

export interface WeightsFile {
  /** PyTorch names (wrapper prefixes removed), float32 host tensors. */
  tensors: TensorMap;
  /** safetensors `__metadata__`; empty for PyTorch files. */
  metadata: Record<string, string>;
  format: WeightsFormat;
  /** PyTorch checkpoints: the entry the weights came from (`state_dict_ema`, `model`, ...), null for a plain state dict. */
  entry: string | null;
  /** PyTorch checkpoints: the other top-level entries (epoch, optimizer, args, ...). */
  otherEntries: string[];
  /** PyTorch checkpoints: state-dict names whose value was not a tensor. */
  skipped: string[];
  /** Wrapper prefixes removed from every name (`module.`). */
  strippedPrefixes: string[];
}

/** safetensors: an 8-byte little-endian header length, then a JSON object. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  return bytes.length >= 9 && bytes[8] === 0x7b && bytes[6] === 0 && bytes[7] === 0;
}

/**
 * Model weights from bytes in memory: a `.safetensors` file or a PyTorch checkpoint (zip or legacy format), recognised
 * from the content. PyTorch files are parsed without running any of their code (see `parsePth`).
 */
export function parseWeights(bytes: Uint8Array, file = '<buffer>', options: Omit<ReadWeightsOptions, 'source'> = {}): WeightsFile {
  if (isZip(bytes) || isLegacyPth(bytes)) {
    const { root, format } = parsePth(bytes, file);
    const w = checkpointWeights(root, file, options.weights ?? 'auto');
    return { ...w, metadata: {}, format: format === 'zip' ? 'pth-zip' : 'pth-legacy' };
  }
  if (looksLikeSafetensors(bytes)) {
    if (options.weights && options.weights !== 'auto') {
      // A safetensors file holds one set of weights; a choice the file cannot honour is an error, not silently ignored.
      throw new SafetensorsError(file, `weights "${options.weights}" was asked for, but a safetensors file holds a single state dict`);
    }
    const { tensors, metadata } = parseSafetensors(bytes, file);
    return { tensors, metadata, format: 'safetensors', entry: null, otherEntries: [], skipped: [], strippedPrefixes: [] };
  }
  throw new PthError(file, 'not a weights file vitkit reads (expected safetensors, or a PyTorch checkpoint from torch.save)');
}
