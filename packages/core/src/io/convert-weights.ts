import * as path from 'path';
import { readWeights } from './read-weights';
import type { ReadWeightsOptions, WeightsFormat } from './read-weights';
import { writeSafetensors } from './safetensors';

export interface ConvertResult {
  tensors: number;
  format: WeightsFormat;
  /** The checkpoint entry the weights came from (`state_dict_ema`, `model`, ...), null for a plain state dict. */
  entry: string | null;
  strippedPrefixes: string[];
  skipped: string[];
}

/**
 * Converts a weights file vitkit reads (a PyTorch checkpoint, or safetensors) into a float32 safetensors state dict
 * with PyTorch names: what `vitkit convert in.pth out.safetensors` does. The output is written atomically.
 */
export async function convertWeights(input: string, output: string, options: Omit<ReadWeightsOptions, 'source'> = {}): Promise<ConvertResult> {
  const w = await readWeights(input, options);
  const metadata: Record<string, string> = { format: 'pt', producer: 'vitkit convert', source: path.basename(input) };
  if (w.entry) metadata.entry = w.entry;
  await writeSafetensors(output, w.tensors, metadata);
  return { tensors: w.tensors.size, format: w.format, entry: w.entry, strippedPrefixes: w.strippedPrefixes, skipped: w.skipped };
}
