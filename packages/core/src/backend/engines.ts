// The engines of Node, fastest first. (The browser's are in ../browser/engines.)
import { tf } from '../tf';
import { activate, cpuEngine } from './engine';
import type { Engine } from './engine';
import { loadOptional, WASM_KERNEL_PACK, wasmKernelPack } from './wasm-kernel-pack';

export type { BackendChoice, Engine, EngineFailure, EngineStartOptions } from './engine';

/**
 * An engine that a package provides by registering a tfjs backend when it is loaded (tfjs-node), or through a
 * registration function it exports (`register`, e.g. `(m) => m.registerNativeBackend()`).
 */
export function packageEngine(name: string, provider: string, backend: string, register?: (module: unknown) => void): Engine {
  return {
    name,
    install: provider,
    async start() {
      const loaded = loadOptional(provider);
      if ('reason' in loaded) return loaded;
      try {
        register?.(loaded.module);
      } catch (e) {
        return { reason: 'failed', error: e as Error };
      }
      return (await activate(backend)) ? { backend, provider } : { reason: 'failed', error: new Error(`tf.setBackend("${backend}") failed`) };
    },
  };
}

const wasmEngine: Engine = {
  name: 'wasm',
  install: '@tensorflow/tfjs-backend-wasm @vitkit/wasm-kernels',
  async start({ threads, wasmKernels }) {
    const loaded = loadOptional('@tensorflow/tfjs-backend-wasm');
    if ('reason' in loaded) return loaded;
    // The kernel pack (conv weight gradients, the gather gradient, fast matmuls, a correct MaxPoolGrad, fused ops);
    // without it stock wasm still runs, and wasmKernelPack() has said once how to get it.
    const pack = wasmKernels ?? wasmKernelPack();
    pack?.registerWasmKernels();
    if (threads > 1) {
      // tfjs's threaded build, started in Node by the pack (it patches tfjs-backend-wasm 4.22 internals while the
      // backend starts). Must happen before any tensor exists: it re-initialises the backend.
      if (!pack?.enableWasmThreads) return { reason: 'failed', error: new Error(`${threads} wasm threads need ${WASM_KERNEL_PACK} (npm install ${WASM_KERNEL_PACK})`) };
      await pack.enableWasmThreads(threads);
      if (tf.getBackend() !== 'wasm') return { reason: 'failed', error: new Error(`the threaded wasm build did not start`) };
    } else if (!(await activate('wasm'))) {
      return { reason: 'failed', error: new Error('tf.setBackend("wasm") failed') };
    }
    return { backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', threads, ...(pack ? { accelerators: ['@vitkit/wasm-kernels'] } : {}) };
  },
};

/** What `@vitkit/backend-native` exports to register its tfjs backend (an optional peer: loaded at run time). */
interface NativeEnginePackage {
  registerNativeBackend(options: { threads?: number }): Promise<{ ok: true } | { ok: false; reason: string }>;
}

/** The N-API engine (OpenBLAS): tensors in Node memory, the library's threads in one process. */
const nativeEngine: Engine = {
  name: 'native',
  install: '@vitkit/backend-native',
  async start({ requestedThreads }) {
    const loaded = loadOptional('@vitkit/backend-native');
    if ('reason' in loaded) return loaded;
    const registered = await (loaded.module as NativeEnginePackage).registerNativeBackend({ threads: requestedThreads });
    // Installed but without a built addon: the reason says how to build it.
    if (!registered.ok) return { reason: 'failed', error: new Error(registered.reason) };
    if (!(await activate('native'))) return { reason: 'failed', error: new Error('tf.setBackend("native") failed') };
    const threads = (tf.backend() as unknown as { addon: { getThreads(): number } }).addon.getThreads();
    return { backend: 'native', provider: '@vitkit/backend-native', threads };
  },
};

/** Every engine, fastest first: the automatic order. Adding an engine is one entry here. */
export const ENGINES: readonly Engine[] = [
  packageEngine('tfjs-node-gpu', '@tensorflow/tfjs-node-gpu', 'tensorflow'),
  packageEngine('tfjs-node', '@tensorflow/tfjs-node', 'tensorflow'),
  nativeEngine,
  wasmEngine,
  cpuEngine,
];

/** Names that stand for the first engine of a group that starts ("tensorflow": either tfjs-node build). */
export const ENGINE_ALIASES: Readonly<Record<string, readonly string[]>> = { tensorflow: ['tfjs-node-gpu', 'tfjs-node'] };
