// Weights from a file path (Node only); from bytes: ./parse-weights (portable).
import { promises as fs } from 'fs';
import { PthError } from './pth/pth-error';
import { parseWeights } from './parse-weights';
import type { ReadWeightsOptions, WeightsFile } from './parse-weights';

export { parseWeights } from './parse-weights';
export type { ReadWeightsOptions, WeightsFile, WeightsFormat } from './parse-weights';

/**
 * Reads model weights from a `.safetensors` file, a PyTorch checkpoint (`.pth`, `.pth.tar`, `.pt`, `.bin`; both
 * the zip format and the legacy one), given as a path or as bytes. The format is recognised from the content, not
 * the name. PyTorch files are parsed without running any of their code (see `parsePth`).
 */
export async function readWeights(source: string | Uint8Array, options: ReadWeightsOptions = {}): Promise<WeightsFile> {
  let bytes: Uint8Array;
  const file = typeof source === 'string' ? source : (options.source ?? '<buffer>');
  if (typeof source === 'string') {
    try {
      bytes = await fs.readFile(source);
    } catch (e) {
      throw new PthError(source, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  } else {
    bytes = source;
  }
  return parseWeights(bytes, file, options);
}
