// What the trainer's main thread and its gradient workers exchange. Tensors travel through SharedArrayBuffers
// (no copies through postMessage): the main thread writes the current weights (and, before an evaluation, the
// non-trainable state) and each worker's slice of the batch, a worker writes its gradients or its eval-mode logits;
// messages only carry step numbers, row counts and scalars.
import type { ComponentSpec } from '@vitkit/core';
import type { TrainSpec } from '../spec';

/** Everything a worker needs to build its replica (sent once as workerData). */
export interface GradientWorkerInit {
  rank: number;
  model: TrainSpec['model'];
  loss: ComponentSpec;
  /**
   * The main thread's plugins by name (`registry.loadedPlugins()`): the worker loads those that are installed packages,
   * so its registry holds what the main thread's did (a plugin object passed in-process cannot travel to a worker).
   */
  packages: string[];
  /** The spec's "plugins" (package names or paths), loaded strictly. */
  plugins: string[];
  /** Directory the spec's relative plugin paths resolve from. */
  dir: string;
  backend: string;
  seed: number;
  /** Trainable parameter names and shapes, in the main thread's order (the replica must have the same). */
  params: Array<{ name: string; shape: number[] }>;
  /** HWC of one image and the number of classes. */
  image: [number, number, number];
  numClasses: number;
  /** Rows of the largest batch (training or evaluation) a worker may be handed. */
  maxRows: number;
  weights: SharedArrayBuffer;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  /** Non-trainable state (BatchNorm running statistics), in the main thread's order, published before evaluations. */
  buffers: Array<{ name: string; shape: number[] }>;
  state: SharedArrayBuffer;
  /** The worker's eval-mode logits, maxRows × numClasses. */
  logits: SharedArrayBuffer;
}

export type ToWorker = { type: 'step'; step: number; rows: number } | { type: 'eval'; rows: number } | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; step: number; loss: number; correct: number; hasGrad: boolean[] }
  | { type: 'logits'; rows: number }
  | { type: 'error'; message: string };

/** Offsets (in float32 elements) of each parameter in the flat weights / gradients buffers. */
export function paramOffsets(params: ReadonlyArray<{ shape: number[] }>): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const p of params) {
    offsets.push(total);
    total += p.shape.reduce((a, b) => a * b, 1);
  }
  return { offsets, total };
}

/** The per-step seed of worker `rank`: dropout and drop-path masks are reproducible on resume without saved state. */
export function workerStepSeed(seed: number, step: number, rank: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ step, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (rank * 0x27d4eb2f), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Rows of a batch of `batch` images for each of `replicas` replicas (the first ones take the remainder). */
export function splitRows(batch: number, replicas: number): number[] {
  const base = Math.floor(batch / replicas);
  return Array.from({ length: replicas }, (_, i) => base + (i < batch % replicas ? 1 : 0));
}
