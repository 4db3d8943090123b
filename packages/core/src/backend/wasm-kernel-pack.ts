// How core finds the wasm kernel pack: `@vitkit/wasm-kernels` is a peer of core (so npm installs it with core: wasm is
// the default engine, and training on stock wasm fails for lack of conv and gather gradients), loaded by name at run
// time when the wasm engine starts, like tfjs-node, and never imported. So core builds and type-checks without it, an
// install that leaves it out (tfjs-node or cpu only) still runs, and core does not depend at build time on a package
// that depends on core (no cycle in the build or the nx graph). Node only: a browser app imports the pack and passes it
// to selectBackend ({ wasmKernels }).
import type { WasmKernelPack } from './engine';
import { sayLine } from './say';

export type { WasmKernelPack } from './engine';

export const WASM_KERNEL_PACK = '@vitkit/wasm-kernels';

/** `require(name)`, telling "not installed" apart from "installed but failed to load". */
export function loadOptional(name: string): { module: unknown } | { reason: 'not-installed' } | { reason: 'failed'; error: Error } {
  try {
    return { module: require(name) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === 'MODULE_NOT_FOUND' && err.message.includes(`'${name}'`);
    return missing ? { reason: 'not-installed' } : { reason: 'failed', error: err };
  }
}

/**
 * `VITKIT_ENGINE_FLAGS=1`: the application lets vitkit's engines change process-wide V8 settings for speed. Set by
 * `allowEngineFlags()`, so that worker threads and child processes the application starts afterwards (the trainer's
 * data-parallel replicas) make the same choice; a user may also set it when starting a program.
 */
export const ENGINE_FLAGS_ENV = 'VITKIT_ENGINE_FLAGS';

function engineFlagsAllowed(): boolean {
  return process.env[ENGINE_FLAGS_ENV] === '1';
}

let missingNoted = false;

/** The pack, or undefined when it is not installed (said once on stderr, with the install line). */
export function wasmKernelPack(): WasmKernelPack | undefined {
  const loaded = loadOptional(WASM_KERNEL_PACK);
  if ('module' in loaded) {
    const pack = loaded.module as WasmKernelPack;
    if (engineFlagsAllowed()) pack.enableFastWasmEngine();
    return pack;
  }
  if (loaded.reason === 'failed') throw new Error(`${WASM_KERNEL_PACK} failed to load: ${loaded.error.message}`);
  if (!missingNoted) {
    missingNoted = true;
    sayLine(`vitkit: wasm runs without its kernel pack (slower; conv and gather gradients missing); npm install ${WASM_KERNEL_PACK}`);
  }
  return undefined;
}

/**
 * For applications only (the vitkit CLI calls it for its own process): lets the engines vitkit starts change
 * process-wide V8 settings for speed, today the wasm kernel pack's `enableFastWasmEngine()` (relaxed-SIMD FMA and the
 * optimising tier for its generated code), here and (through $VITKIT_ENGINE_FLAGS) in the workers it starts later.
 * Libraries never call it; without it (or VITKIT_ENGINE_FLAGS=1) nothing in vitkit touches V8 flags.
 */
export function allowEngineFlags(): void {
  process.env[ENGINE_FLAGS_ENV] = '1';
  const loaded = loadOptional(WASM_KERNEL_PACK);
  if ('module' in loaded) (loaded.module as WasmKernelPack).enableFastWasmEngine();
}

/** Registers the wasm kernel pack (see `@vitkit/wasm-kernels`); an error with the install line when it is missing. */
export function registerWasmKernels(): string[] {
  const loaded = loadOptional(WASM_KERNEL_PACK);
  if (!('module' in loaded)) {
    const why = loaded.reason === 'failed' ? `failed to load: ${loaded.error.message}` : `is not installed (npm install ${WASM_KERNEL_PACK})`;
    throw new Error(`registerWasmKernels: ${WASM_KERNEL_PACK} ${why}`);
  }
  const pack = loaded.module as WasmKernelPack;
  return pack.registerWasmKernels({ fastEngine: engineFlagsAllowed() });
}

/** True when the wasm kernel pack is installed and every one of its kernels is the one registered for 'wasm'. */
export function wasmKernelsRegistered(): boolean {
  const loaded = loadOptional(WASM_KERNEL_PACK);
  return 'module' in loaded && (loaded.module as WasmKernelPack).wasmKernelsRegistered();
}
