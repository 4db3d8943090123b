// State dicts to and from files (Node only); in memory: ./state-dict (portable).
import type { Module } from '../nn/module';
import type { WeightsChoice } from './pth/checkpoint-layout';
import { readWeights } from './read-weights';
import { writeSafetensors } from './safetensors';
import { loadStateDict, stateDict } from './state-dict';
import type { LoadOptions, LoadResult } from './state-dict';

/**
 * Loads a weights file into `module` by reference name: safetensors or a PyTorch checkpoint (`.pth`, `.pth.tar`;
 * `weights` picks the live or EMA weights of a training checkpoint). The format is recognised from the content.
 */
export async function loadWeightsInto(module: Module, file: string, options: Omit<LoadOptions, 'source'> & { weights?: WeightsChoice } = {}): Promise<LoadResult> {
  const { tensors } = await readWeights(file, { weights: options.weights });
  return loadStateDict(module, tensors, { strict: options.strict, source: file });
}

/** {@link loadWeightsInto} under its first name (it reads PyTorch files too). */
export const loadSafetensorsInto = loadWeightsInto;

export async function saveSafetensors(module: Module, file: string, metadata: Record<string, string> = {}): Promise<void> {
  await writeSafetensors(file, stateDict(module), { format: 'pt', ...metadata });
}
