// Sweeps, notebooks and servers train many times in one process: every Trainer.create → fit → dispose cycle must
// give back all its tensors (optimizer moments, EMA shadow weights, teacher, data-parallel state) and wasm heap.
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry, selectBackend, tf } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { syntheticData } from './testing/synthetic';
import { TINY_VIT, tinyRunSpec } from './testing/tiny-run';
import { Trainer } from './trainer';

const registry = () => createRegistry({ plugins: [tokenizers, backbones] });
const quiet = { progress: null, log: () => undefined, report: false } as const;

/** What the process holds: tensors and bytes the engine tracks, and the data the wasm backend keeps on its heap. */
function held() {
  const m = tf.memory();
  const backend = tf.backend() as unknown as { numDataIds(): number };
  return { numTensors: m.numTensors, numBytes: m.numBytes, dataIds: backend.numDataIds() };
}

/** Bytes the wasm heap has reserved (it only grows: a leak of heap data shows as growth across identical cycles). */
function heapBytes(): number {
  const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.buffer.byteLength;
}

async function cycle(dir: string, train: Record<string, unknown>, steps = 3): Promise<void> {
  const spec = tinyRunSpec(dir, { batchSize: 4, train: { epochs: 1, logEvery: 1, ...train } });
  const t = await Trainer.create(spec, { ...quiet, registry: registry(), data: syntheticData({ train: 4 * steps, test: 6 }) });
  try {
    await t.fit();
  } finally {
    t.dispose();
  }
}

describe('train → dispose cycles in one process', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it('give back every tensor and the wasm heap (AdamW, SGD, EMA, distillation, data-parallel workers)', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-leaks-'));
    // A warm-up run: kernels compiled, caches filled, and its weights serve as the distillation teacher.
    await cycle(path.join(root, 'warm'), {});
    const teacher = path.join(root, 'warm', 'model.safetensors');
    const runs: Array<[string, Record<string, unknown>]> = [
      ['adamw', { optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 0.05 } }],
      ['sgd', { optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true } }],
      ['ema', { ema: { decay: 0.9 } }],
      ['distillation', { distillation: { teacher: TINY_VIT, weights: teacher, type: 'soft', alpha: 0.5, tau: 2 } }],
      ['workers', { workers: 2, ema: { decay: 0.9 } }],
    ];
    const start = held();
    const heapStart = heapBytes();
    for (let round = 0; round < 2; round++) {
      for (const [name, train] of runs) {
        await cycle(path.join(root, `${name}-${round}`), train);
        expect({ run: name, round, ...held() }).toEqual({ run: name, round, ...start });
      }
    }
    expect(heapBytes()).toBe(heapStart);
  });
});
