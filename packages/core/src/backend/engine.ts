// What an engine is, portable (Node and browsers): the Node engines are in ./engines, the browser ones in
// ../browser/engines; ./choose-backend picks among either list.
import { tf } from '../tf';

/** What `selectBackend` returns: the tfjs backend that is now active and where it came from. */
export interface BackendChoice {
  backend: string;
  /** Package that provided it (for tfjs-node the GPU build and the CPU build both register "tensorflow"). */
  provider: string;
  threads?: number;
  /** Packages that accelerate the backend (the wasm kernel pack), when loaded. */
  accelerators?: string[];
}

/** The part of `@vitkit/wasm-kernels` that core calls. */
export interface WasmKernelPack {
  registerWasmKernels(options?: { fastEngine?: boolean }): string[];
  wasmKernelsRegistered(): boolean;
  enableFastWasmEngine(): unknown;
  enableWasmThreads?(threads: number): Promise<number>;
}

export interface EngineStartOptions {
  /** Threads for engines that take a count (wasm's multi-threaded build). */
  threads: number;
  /** The count the caller asked for, if any (the native engine's default is the library's: every core). */
  requestedThreads?: number;
  /** The wasm kernel pack the application passed (in Node it is otherwise found by name). */
  wasmKernels?: WasmKernelPack;
}

/** Why an engine did not start: not installed, or installed but failed (the error it gave). */
export type EngineFailure = { reason: 'not-installed' } | { reason: 'failed'; error: Error };

/**
 * One engine `selectBackend` can start. The automatic order is the order of the platform's engine list; an engine
 * that is not installed is skipped there and is an error (naming `install`) when asked for by name.
 */
export interface Engine {
  /** The name a flag, $VITKIT_BACKEND or a spec uses. */
  readonly name: string;
  /** The npm package(s) a user installs to get it. */
  readonly install: string;
  start(options: EngineStartOptions): Promise<BackendChoice | EngineFailure>;
}

/** Makes `name` tfjs's active backend; false when it does not initialise. */
export async function activate(name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** tfjs's pure-JS backend: always there, the last resort of every platform. */
export const cpuEngine: Engine = {
  name: 'cpu',
  install: '@tensorflow/tfjs',
  async start() {
    if (!(await activate('cpu'))) return { reason: 'failed', error: new Error('tf.setBackend("cpu") failed') };
    // The cpu backend advertises tfjs-node on first use; the choice was deliberate, so keep stderr clean.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return { backend: 'cpu', provider: '@tensorflow/tfjs-backend-cpu' };
  },
};
