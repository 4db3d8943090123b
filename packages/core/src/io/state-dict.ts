import { tf } from '../tf';
import { Module } from '../nn/module';
import { toTorchShape } from '../nn/parameter';
import type { HostTensor, TensorMap } from './safetensors-format';

/** Optional hook of a root module: rewrite foreign checkpoint names (for instance timm's) to its own. */
export interface StateDictAdapter {
  adaptStateDictKey(key: string): string;
}

function hasAdapter(m: Module): m is Module & StateDictAdapter {
  return typeof (m as Partial<StateDictAdapter>).adaptStateDictKey === 'function';
}

export class StateDictError extends Error {
  constructor(readonly missing: string[], readonly unexpected: string[], readonly mismatched: string[], source: string, modelEntries?: number) {
    const parts: string[] = [`state dict from ${source} does not match the model:`];
    // Most names absent on both sides: say so first, the lists below are then mostly noise.
    if (modelEntries !== undefined && missing.length > modelEntries / 2 && unexpected.length > 0) {
      parts.push(`  only ${modelEntries - missing.length} of the model's ${modelEntries} names are in the file: it looks like a checkpoint for another architecture`);
    }
    if (missing.length) parts.push(`  missing (${missing.length}): ${missing.join(', ')}`);
    if (unexpected.length) parts.push(`  unexpected (${unexpected.length}): ${unexpected.join(', ')}`);
    if (mismatched.length) parts.push(`  wrong shape (${mismatched.length}): ${mismatched.join('; ')}`);
    super(parts.join('\n'));
    this.name = 'StateDictError';
  }
}

/** Keys that are not model state: fixture tensors (`__input__`) and PyTorch's int64 BN counters. */
function isIgnoredKey(k: string): boolean {
  return k.startsWith('__') || k.endsWith('num_batches_tracked');
}

/** Parameters then buffers, in the PyTorch layout, as host tensors. */
export function stateDict(module: Module): TensorMap {
  const out: TensorMap = new Map();
  for (const [name, p] of module.namedParameters()) {
    const t = p.toTorch();
    // A copy: on the cpu backend dataSync() returns the tensor's own storage, which a 'same'-layout clone shares
    // with the live parameter.
    out.set(name, { shape: t.shape, data: (t.dataSync() as Float32Array).slice(), dtype: 'F32' });
    t.dispose();
  }
  for (const [name, b] of module.namedBuffers()) {
    out.set(name, { shape: b.shape, data: (b.dataSync() as Float32Array).slice(), dtype: 'F32' });
  }
  return out;
}

export interface LoadOptions {
  /** Default true: any missing, unexpected or mis-shaped key is an error (all listed at once). */
  strict?: boolean;
  /** Names the source in errors. */
  source?: string;
}

export interface LoadResult {
  missing: string[];
  unexpected: string[];
  mismatched: string[];
}

/** Loads PyTorch-layout tensors by reference name. Nothing is assigned unless the whole dict checks out (strict). */
export function loadStateDict(module: Module, tensors: TensorMap, options: LoadOptions = {}): LoadResult {
  const strict = options.strict ?? true;
  const source = options.source ?? 'state dict';
  const adapt = hasAdapter(module) ? (k: string) => module.adaptStateDictKey(k) : (k: string) => k;
  const incoming = new Map<string, HostTensor>();
  for (const [k, v] of tensors) if (!isIgnoredKey(k)) incoming.set(adapt(k), v);

  const params = new Map(module.namedParameters());
  const buffers = new Map(module.namedBuffers());
  const missing: string[] = [];
  const mismatched: string[] = [];
  const assign: Array<() => void> = [];
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

  for (const [name, p] of params) {
    const t = incoming.get(name);
    if (!t) {
      missing.push(name);
      continue;
    }
    if (!same(t.shape, p.torchShape)) {
      mismatched.push(`${name}: checkpoint [${t.shape}] vs model [${p.torchShape}]`);
      continue;
    }
    assign.push(() => {
      // Copies: the cpu backend would otherwise keep the caller's array as the parameter's storage.
      const v = tf.tensor(t.data.slice(), t.shape);
      p.assignFromTorch(v);
      v.dispose();
    });
  }
  for (const [name, b] of buffers) {
    const t = incoming.get(name);
    if (!t) {
      missing.push(name);
      continue;
    }
    if (!same(t.shape, b.shape)) {
      mismatched.push(`${name}: checkpoint [${t.shape}] vs model [${b.shape}]`);
      continue;
    }
    assign.push(() => tf.tidy(() => b.assign(tf.tensor(t.data.slice(), t.shape))));
  }
  const unexpected = [...incoming.keys()].filter((k) => !params.has(k) && !buffers.has(k));
  if (strict && (missing.length || unexpected.length || mismatched.length)) {
    throw new StateDictError(missing, unexpected, mismatched, source, params.size + buffers.size);
  }
  for (const a of assign) a();
  return { missing, unexpected, mismatched };
}

/** Shape a parameter has in PyTorch, re-exported for contract tests. */
export { toTorchShape };
