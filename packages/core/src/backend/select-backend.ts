import { tf } from '../tf';
import { registerWasmKernels } from '../kernels';
import { enableWasmThreads } from './wasm-threads';

export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

/** What the user may ask for: a backend, or the node package that provides it. */
export type BackendRequest = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | BackendName;

export interface BackendChoice {
  backend: string;
  /** Package that provided it (for tfjs-node the GPU build and the CPU build both register "tensorflow"). */
  provider: string;
  threads?: number;
}

export const BACKEND_ENV = 'VITKIT_BACKEND';
/** Threads for the wasm backend (multi-threaded build, patched for Node); default 1 — see BENCHMARKS.md. */
export const WASM_THREADS_ENV = 'VITKIT_WASM_THREADS';

function tryRequire(name: string): boolean {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

// --- native engine hook (@vitkit/backend-native, an optional peer: required at run time, never at build time) ---
type NativeRegistration = { ok: true } | { ok: false; reason: string };
let nativeFallbackShown = false;
/** The native backend activated, or null (auto: says once why and how to get it); forced: an error with the reason. */
async function useNative(forced: boolean, options: { quiet?: boolean; threads?: number }): Promise<BackendChoice | null> {
  let registered: NativeRegistration;
  try {
    const native: { registerNativeBackend(o: { threads?: number }): Promise<NativeRegistration> } = require('@vitkit/backend-native');
    registered = await native.registerNativeBackend({ threads: options.threads });
  } catch (e) {
    registered = { ok: false, reason: `native engine not installed (npm install @vitkit/backend-native): ${(e as Error).message.split('\n')[0]}` };
  }
  if (registered.ok && (await activate('native'))) {
    const threads = (tf.backend() as unknown as { addon: { getThreads(): number } }).addon.getThreads();
    return { backend: 'native', provider: '@vitkit/backend-native', threads };
  }
  const reason = registered.ok ? 'the native backend failed to initialise' : registered.reason;
  if (forced) throw new Error(`backend "native" is not available: ${reason}`);
  if (!options.quiet && !nativeFallbackShown) process.stderr.write(`vitkit: ${reason}\n`);
  nativeFallbackShown = true;
  return null;
}
// --- end of the native engine hook ---

async function useWasm(threads: number): Promise<boolean> {
  if (!tryRequire('@tensorflow/tfjs-backend-wasm')) return false;
  // Stock wasm lacks conv weight gradients and the gather gradient, runs transposed/batched matmuls ~10x slower
  // and computes MaxPoolGrad wrongly; the kernel pack fixes all of these (idempotent).
  registerWasmKernels();
  if (threads > 1) {
    // Must happen before any tensor exists: it re-initialises the backend.
    await enableWasmThreads(threads);
    return tf.getBackend() === 'wasm';
  }
  return activate('wasm');
}

/**
 * Picks the backend at run time: an explicit request (CLI flag) first, then `$VITKIT_BACKEND`, else the
 * fastest installed: tfjs-node-gpu, tfjs-node, native, wasm, cpu. An explicit request that cannot be met is an error.
 */
export async function selectBackend(request: BackendRequest | string = 'auto', options: { quiet?: boolean; threads?: number } = {}): Promise<BackendChoice> {
  const wanted = (request === 'auto' ? process.env[BACKEND_ENV] : request) || 'auto';
  const threads = options.threads ?? Number(process.env[WASM_THREADS_ENV] ?? 1);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm threads must be a positive integer, got ${threads} (${WASM_THREADS_ENV})`);
  const attempts: Record<string, () => Promise<BackendChoice | null>> = {
    'tfjs-node-gpu': async () => (tryRequire('@tensorflow/tfjs-node-gpu') && (await activate('tensorflow')) ? { backend: 'tensorflow', provider: '@tensorflow/tfjs-node-gpu' } : null),
    'tfjs-node': async () => (tryRequire('@tensorflow/tfjs-node') && (await activate('tensorflow')) ? { backend: 'tensorflow', provider: '@tensorflow/tfjs-node' } : null),
    native: async () => useNative(wanted === 'native', options),
    wasm: async () => ((await useWasm(threads)) ? { backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', threads } : null),
    cpu: async () => ((await activate('cpu')) ? { backend: 'cpu', provider: '@tensorflow/tfjs-backend-cpu' } : null),
  };
  attempts.tensorflow = async () => (await attempts['tfjs-node-gpu']()) ?? (await attempts['tfjs-node']());
  let choice: BackendChoice | null = null;
  if (wanted === 'auto') {
    for (const k of ['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu']) {
      choice = await attempts[k]();
      if (choice) break;
    }
  } else {
    const attempt = attempts[wanted];
    if (!attempt) {
      throw new Error(`unknown backend "${wanted}"; choose one of auto, tfjs-node-gpu, tfjs-node, tensorflow, native, wasm, cpu`);
    }
    choice = await attempt();
    if (!choice) {
      const pkg = wanted === 'cpu' ? '@tensorflow/tfjs' : wanted === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : `@tensorflow/${wanted === 'tensorflow' ? 'tfjs-node' : wanted}`;
      throw new Error(`backend "${wanted}" is not available; install ${pkg} (npm install ${pkg})`);
    }
  }
  if (!choice) throw new Error('no tfjs backend could be initialised');
  await tf.ready();
  if (choice.backend === 'cpu') {
    // The cpu backend advertises tfjs-node on first use; the choice was deliberate, so keep stderr clean.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
  if (!options.quiet) process.stderr.write(`vitkit: backend ${choice.backend} (${choice.provider}${choice.threads && choice.threads > 1 ? `, ${choice.threads} threads` : ''})\n`);
  return choice;
}
