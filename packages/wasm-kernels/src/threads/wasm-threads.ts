// Multi-threaded tfjs-wasm in Node.
//
// tfjs-backend-wasm ships a threaded SIMD binary (XNNPACK with a pthread pool) but forces
// WASM_HAS_MULTITHREAD_SUPPORT to false in Node (tfjs issue #3830), because Emscripten's pthread workers are
// started from `blob:` URLs that Node's worker_threads cannot load. This module makes it work, applying these
// changes only while the backend initialises and undoing them afterwards:
//   1. `Blob` is replaced by a class that writes its text to a file in a private temporary directory, and
//      `URL.createObjectURL` returns that file's path for such blobs.
//   2. The main-script blob (`var WasmBackendModuleThreadedSimd = <factory source>`) lost the module-level
//      aliases the bundler gave `fs`, `path`, `perf_hooks`, `os` and the global object when the factory was turned
//      into a string; they are declared in front of it, and the factory is published on `globalThis`.
//   3. The worker script turns the main-script blob it receives into an object URL to import; it is rewritten to
//      import the main-script file directly.
//   4. The C++ side caps the pool at half the logical cores (`os.cpus().length / 2`), so `os.cpus()` reports
//      enough cores while the backend starts.
//   5. The multithread flag is forced on and the thread count set before `tf.setBackend('wasm')`.
// The pthread workers would keep Node alive after the program ends; they are `unref()`ed so it exits on its own.
import * as fs from 'fs';
// The module object itself (a namespace import is a frozen copy): os.cpus is patched during start-up.
import os = require('os');
import * as path from 'path';
import { tf } from '@vitkit/core';

const WASM = 'wasm';
const WASM_PRIORITY = 2;
const THREAD_FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';
const MAIN_SCRIPT_PREFIX = 'var WasmBackendModuleThreadedSimd';
const FACTORY_NAME = 'WasmBackendModuleThreadedSimd';
const BUNDLER_ALIASES =
  "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;";
/** What the worker script does with a main script given as a Blob (tfjs-backend-wasm 4.x). */
const WORKER_BLOB_IMPORT = 'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';

interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

interface NodeWorkerLike {
  unref?: () => void;
}

interface PThreadLike {
  runningWorkers: NodeWorkerLike[];
  unusedWorkers: NodeWorkerLike[];
  allocateUnusedWorker: () => void;
}

interface WasmBackendLike {
  wasm?: { PThread?: PThreadLike };
}

export interface WasmThreadsOptions {
  /**
   * Let Node exit while the pthread workers are alive (default true). With false the process stays alive until
   * `disableWasmThreads()`, `tf.removeBackend('wasm')` or `process.exit()`.
   */
  unrefWorkers?: boolean;
}

function loadWasmPackage(): WasmPackage {
  try {
    return require('@tensorflow/tfjs-backend-wasm') as WasmPackage;
  } catch (e) {
    throw new Error(
      `enableWasmThreads: @tensorflow/tfjs-backend-wasm is not installed (npm install @tensorflow/tfjs-backend-wasm): ${(e as Error).message}`,
    );
  }
}

let scriptDir: string | null = null;

function privateScriptDir(): string {
  if (scriptDir && fs.existsSync(scriptDir)) return scriptDir;
  scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-wasm-threads-'));
  const dir = scriptDir;
  process.once('exit', () => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // the directory is in the system temp dir; leaving it is harmless
    }
  });
  return dir;
}

/** A stand-in for `Blob` that lives in a file, so Node workers can load it by path. */
class FileBlob {
  readonly path: string;
  readonly type: string;
  readonly size: number;
  constructor(parts: unknown[] = [], options: { type?: string } = {}, state: { mainScript: string | null; count: number }) {
    let text = parts.map((p) => (typeof p === 'string' ? p : String(p))).join('');
    const dir = privateScriptDir();
    if (text.startsWith(MAIN_SCRIPT_PREFIX)) {
      text = `${BUNDLER_ALIASES}${text};\nglobalThis.${FACTORY_NAME}=${FACTORY_NAME};\n`;
      this.path = path.join(dir, `main-${state.count++}.js`);
      state.mainScript = this.path;
    } else {
      if (text.includes(WORKER_BLOB_IMPORT)) {
        if (!state.mainScript) throw new Error('enableWasmThreads: the worker script was created before the main script (unsupported tfjs-backend-wasm version)');
        text = text.replace(WORKER_BLOB_IMPORT, `importScripts(${JSON.stringify(state.mainScript)})`);
      }
      this.path = path.join(dir, `blob-${state.count++}.js`);
    }
    fs.writeFileSync(this.path, text);
    this.type = options.type ?? '';
    this.size = Buffer.byteLength(text);
  }
}

/** Runs `fn` with Blob, URL.createObjectURL and os.cpus patched as described at the top of this file. */
async function withNodeWorkerPatches<T>(threads: number, fn: () => Promise<T>): Promise<T> {
  const g = globalThis as unknown as { Blob: unknown };
  const originalBlob = g.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const state = { mainScript: null as string | null, count: 0 };
  g.Blob = class extends FileBlob {
    constructor(parts?: unknown[], options?: { type?: string }) {
      super(parts, options, state);
    }
  };
  URL.createObjectURL = ((obj: unknown) => (obj instanceof FileBlob ? obj.path : originalCreateObjectURL(obj as Blob))) as typeof URL.createObjectURL;
  (os as { cpus: typeof os.cpus }).cpus = () => {
    const real = originalCpus();
    const out = real.slice();
    while (out.length < 2 * threads) out.push(...real);
    return out;
  };
  try {
    return await fn();
  } finally {
    g.Blob = originalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    (os as { cpus: typeof os.cpus }).cpus = originalCpus;
  }
}

/** The started wasm backend, or undefined. (`tf.findBackend` would start it as a side effect: not used here.) */
function startedWasmBackend(): WasmBackendLike | undefined {
  return (tf.engine().registry as Record<string, unknown>)[WASM] as WasmBackendLike | undefined;
}

function pthreadOf(): PThreadLike | undefined {
  return startedWasmBackend()?.wasm?.PThread;
}

function unrefWorkers(pthread: PThreadLike): void {
  for (const w of [...pthread.runningWorkers, ...pthread.unusedWorkers]) w.unref?.();
  const allocate = pthread.allocateUnusedWorker;
  pthread.allocateUnusedWorker = function (this: PThreadLike) {
    allocate.call(this);
    this.unusedWorkers[this.unusedWorkers.length - 1]?.unref?.();
  };
}

/** Drops an initialised wasm backend (terminating its workers) but keeps it registered, so it can start again. */
function resetWasmBackend(): void {
  const factory = tf.findBackendFactory(WASM);
  if (!factory) throw new Error('enableWasmThreads: the wasm backend is not registered');
  if (startedWasmBackend()) {
    tf.removeBackend(WASM);
    tf.registerBackend(WASM, factory, WASM_PRIORITY);
  }
}

let enabledThreads = 0;

/**
 * Starts the tfjs wasm backend with `threads` XNNPACK threads and makes it the active backend. Call it before any
 * tensor is created on wasm (an already started wasm backend is restarted, which invalidates its tensors); a later
 * `tf.setBackend('wasm')` keeps this instance. `threads` = 1 starts the ordinary single-threaded SIMD build.
 * Resolves to the thread count the backend reports (always `threads`; anything else is an error).
 * Only matrix products and convolutions (XNNPACK) use the extra threads.
 */
export async function enableWasmThreads(threads: number, options: WasmThreadsOptions = {}): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`enableWasmThreads: threads must be an integer >= 1, got ${threads}`);
  }
  const wasmPkg = loadWasmPackage();
  const current = wasmThreadsCount();
  if (current === threads && (threads > 1) === enabledThreads > 1 && startedWasmBackend()) {
    if (!(await tf.setBackend(WASM))) throw new Error('enableWasmThreads: tf.setBackend("wasm") failed');
    return current;
  }
  resetWasmBackend();
  tf.env().set(THREAD_FLAG, threads > 1);
  wasmPkg.setThreadsCount(threads);
  const ok =
    threads > 1
      ? await withNodeWorkerPatches(threads, async () => {
          try {
            return await tf.setBackend(WASM);
          } catch {
            return false;
          }
        })
      : await tf.setBackend(WASM).catch(() => false);
  if (!ok) {
    tf.env().set(THREAD_FLAG, false);
    resetWasmBackend();
    throw new Error(`enableWasmThreads: the wasm backend failed to start with ${threads} thread(s)`);
  }
  await tf.ready();
  const actual = wasmPkg.getThreadsCount();
  if (threads > 1) {
    const pthread = pthreadOf();
    if (!pthread) throw new Error('enableWasmThreads: the threaded wasm build was not loaded');
    if (options.unrefWorkers !== false) unrefWorkers(pthread);
  }
  enabledThreads = threads;
  if (actual !== threads) {
    throw new Error(`enableWasmThreads: asked for ${threads} threads, the wasm backend runs ${actual}`);
  }
  return actual;
}

/** Thread count of the started wasm backend, or 0 when it has not started. */
export function wasmThreadsCount(): number {
  if (!startedWasmBackend()) return 0;
  try {
    return loadWasmPackage().getThreadsCount();
  } catch {
    return 0;
  }
}

/** True when the started wasm backend is the threaded build (`enableWasmThreads(n > 1)`). */
export function wasmThreadsEnabled(): boolean {
  return enabledThreads > 1 && pthreadOf() !== undefined;
}

/**
 * Stops the threaded wasm backend: terminates its workers, disposes its tensors and leaves the (single-threaded)
 * wasm backend registered so `tf.setBackend('wasm')` starts it again. Safe to call when nothing was enabled.
 */
export function disableWasmThreads(): void {
  tf.env().set(THREAD_FLAG, false);
  if (enabledThreads > 1 || pthreadOf()) resetWasmBackend();
  enabledThreads = 0;
}
