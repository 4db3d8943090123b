import { promises as fs } from 'fs';
import { readSafetensors, readWeights as readWeightsFile, serializeSafetensors, writeFileAtomic } from '@vitkit/core';
import type { HostTensor, TensorMap, WeightsChoice } from '@vitkit/core';

export const CHECKPOINT_FORMAT = 'vitkit-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** Everything besides tensors that a resumed run needs. Stored as JSON in the safetensors metadata. */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Optimizer steps completed. */
  step: number;
  /** Where the training loader stands: epoch and batches of that epoch already consumed. */
  position: { epoch: number; batch: number };
  /** Core RNG state (dropout, drop path) after `step`. */
  rng: number;
  seed: number;
  /** The training spec as written. */
  spec: unknown;
  optimizer: { type: string; scalars: Record<string, number> };
  /** Wall time spent training so far, seconds. */
  elapsed: number;
  /** Partial sums of the metrics window in progress (`images` absent in checkpoints of classification runs that predate it: equal to `count`). */
  window?: { loss: number; correct: number; count: number; steps: number; images?: number };
  /** Free-form extras (last evaluation, ...). */
  extra?: Record<string, unknown>;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  model: TensorMap;
  optimizer: TensorMap;
  ema?: TensorMap;
}

const PREFIX = { model: 'model.', optimizer: 'optimizer.', ema: 'ema.' } as const;

/** Serialises a checkpoint into one safetensors buffer, so one atomic rename publishes all of it at once. */
export function serializeCheckpoint(ck: Checkpoint, metadata: Record<string, string> = {}): Uint8Array {
  const entries: Array<[string, HostTensor]> = [];
  for (const [k, t] of ck.model) entries.push([PREFIX.model + k, t]);
  for (const [k, t] of ck.optimizer) entries.push([PREFIX.optimizer + k, t]);
  if (ck.ema) for (const [k, t] of ck.ema) entries.push([PREFIX.ema + k, t]);
  return serializeSafetensors(entries, { ...metadata, format: 'pt', vitkit: JSON.stringify(ck.meta) });
}

/** Writes atomically (temporary file, fsync, rename): a crash mid-write leaves the previous checkpoint intact. */
export async function saveCheckpoint(file: string, ck: Checkpoint, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, serializeCheckpoint(ck, metadata));
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export function isCheckpointMetadata(metadata: Record<string, string>): boolean {
  if (!metadata.vitkit) return false;
  try {
    return (JSON.parse(metadata.vitkit) as CheckpointMeta).format === CHECKPOINT_FORMAT;
  } catch {
    return false;
  }
}

export async function loadCheckpoint(file: string): Promise<Checkpoint> {
  const { tensors, metadata } = await readSafetensors(file);
  if (!isCheckpointMetadata(metadata)) throw new CheckpointError(`${file} is not a vitkit training checkpoint (no "vitkit" metadata)`);
  const meta = JSON.parse(metadata.vitkit) as CheckpointMeta;
  if (meta.version > CHECKPOINT_VERSION) throw new CheckpointError(`${file}: checkpoint version ${meta.version} is newer than this trainer (${CHECKPOINT_VERSION})`);
  const ck: Checkpoint = { meta, model: new Map(), optimizer: new Map() };
  for (const [k, t] of tensors) {
    if (k.startsWith(PREFIX.model)) ck.model.set(k.slice(PREFIX.model.length), t);
    else if (k.startsWith(PREFIX.optimizer)) ck.optimizer.set(k.slice(PREFIX.optimizer.length), t);
    else if (k.startsWith(PREFIX.ema)) (ck.ema ??= new Map()).set(k.slice(PREFIX.ema.length), t);
  }
  return ck;
}

/**
 * Reads model weights (PyTorch names and layouts) from a plain safetensors state dict, a vitkit training checkpoint
 * (its `model.` tensors, or `ema.` ones with `weights: 'ema'`) or a PyTorch checkpoint (`.pth`, `.pth.tar`).
 */
export async function readWeights(
  file: string,
  options: { weights?: WeightsChoice } = {},
): Promise<{ tensors: TensorMap; metadata: Record<string, string>; checkpoint?: CheckpointMeta; entry?: string | null }> {
  const bytes = await fs.readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw new CheckpointError(`${file}: cannot read (${e.code ?? e.message})`);
  });
  const probe = await readWeightsFile(bytes, { source: file, weights: isVitkitCheckpointBytes(bytes) ? 'auto' : options.weights });
  const { tensors, metadata } = probe;
  if (!isCheckpointMetadata(metadata)) return { tensors, metadata, entry: probe.entry };
  const meta = JSON.parse(metadata.vitkit) as CheckpointMeta;
  const prefix = options.weights === 'ema' ? PREFIX.ema : PREFIX.model;
  const out: TensorMap = new Map();
  for (const [k, t] of tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
  if (!out.size) throw new CheckpointError(`${file}: the training checkpoint has no ${prefix === PREFIX.ema ? 'EMA' : 'model'} weights`);
  return { tensors: out, metadata, checkpoint: meta, entry: prefix.slice(0, -1) };
}

/** Whether a file is a vitkit training checkpoint (not plain weights). */
export async function isTrainingCheckpointFile(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    if (head.length < 8) return false;
    const n = Number(head.readBigUInt64LE(0));
    if (n <= 0 || n > 100_000_000) return false;
    const header = Buffer.alloc(n);
    const { bytesRead } = await handle.read(header, 0, n, 8);
    if (bytesRead !== n || header[0] !== 0x7b) return false;
    return isCheckpointMetadata((JSON.parse(header.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__ ?? {});
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/** A vitkit training checkpoint is a safetensors file whose header metadata has the `vitkit` entry. */
function isVitkitCheckpointBytes(bytes: Uint8Array): boolean {
  if (bytes.length < 8 || bytes[8] !== 0x7b) return false;
  const n = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0));
  return n < bytes.length && Buffer.from(bytes.buffer, bytes.byteOffset + 8, Math.min(n, bytes.length - 8)).includes('"vitkit"');
}

/**
 * The step a checkpoint was written at, read from its safetensors header only (8 bytes of length, then the JSON
 * header): no tensor data is read. Undefined when the file is missing or not a vitkit checkpoint.
 */
export async function readCheckpointStep(file: string): Promise<number | undefined> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const size = Buffer.alloc(8);
    await handle.read(size, 0, 8, 0);
    const length = Number(size.readBigUInt64LE(0));
    if (!(length > 0 && length < 100_000_000)) return undefined;
    const header = Buffer.alloc(length);
    await handle.read(header, 0, length, 8);
    const metadata = (JSON.parse(header.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__ ?? {};
    return isCheckpointMetadata(metadata) ? (JSON.parse(metadata.vitkit) as CheckpointMeta).step : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
