// safetensors files on disk (Node only); the format itself, on bytes, is in ./safetensors-format (portable).
import { promises as fs } from 'fs';
import { writeFileAtomic } from './atomic-write';
import { parseSafetensors, SafetensorsError, serializeSafetensors } from './safetensors-format';
import type { TensorMap } from './safetensors-format';

export { writeFileAtomic } from './atomic-write';
export { parseSafetensors, serializeSafetensors, SafetensorsError } from './safetensors-format';
export type { HostTensor, TensorMap } from './safetensors-format';

export async function readSafetensors(file: string): Promise<{ tensors: TensorMap; metadata: Record<string, string> }> {
  let buf: Uint8Array;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    throw new SafetensorsError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseSafetensors(buf, file);
}

export async function writeSafetensors(file: string, tensors: Iterable<[string, { shape: number[]; data: Float32Array }]>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, serializeSafetensors(tensors, metadata));
}
