// The two process-wide V8 settings that make the generated kernels faster. A library must not change its host's
// engine behind its back, so nothing here runs unless the application calls `enableFastWasmEngine()` (the vitkit CLI
// does, for its own process). Without it the generated kernels still run, compiled the default way and, on engines
// that do not ship relaxed SIMD by default (Node 20's V8 11.3), with a separate multiply and add instead of an FMA.

type V8 = { setFlagsFromString(flags: string): void };

/** Node's `v8` module, or undefined outside Node. Looked up on each use, so tests can spy on it. */
export function v8Module(): V8 | undefined {
  if (typeof process === 'undefined' || !process.versions?.node) return undefined;
  try {
    return require('v8') as V8;
  } catch {
    return undefined;
  }
}

export interface FastWasmEngine {
  /** The pack's modules are compiled straight to the optimising tier (TurboFan) instead of Liftoff. */
  optimizingTier: boolean;
  /** `--experimental-wasm-relaxed-simd` was set (relaxed-SIMD FMA, for engines that keep it behind a flag). */
  relaxedSimdFlag: boolean;
}

const NOT_ENABLED: FastWasmEngine = { optimizingTier: false, relaxedSimdFlag: false };
let state: FastWasmEngine = NOT_ENABLED;
const listeners: Array<() => void> = [];

/**
 * Opt-in, for applications only: lets the kernel pack change two process-wide V8 settings. It sets
 * `--experimental-wasm-relaxed-simd` (a wasm feature flag: it only adds instructions; the FMA GEMM needs it on Node 20)
 * and compiles the pack's generated modules with `--no-liftoff` switched on around each compile (Node 20 never tiers
 * these few long-running functions up from Liftoff: 12-14 GFLOP/s there, 22-26 with TurboFan). Kernels compiled
 * before the call are compiled again on their next use. Idempotent; outside Node it does nothing.
 */
export function enableFastWasmEngine(): FastWasmEngine {
  if (state !== NOT_ENABLED) return state;
  const v8 = v8Module();
  if (!v8) return state;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  state = { optimizingTier: true, relaxedSimdFlag: true };
  for (const l of listeners) l();
  return state;
}

/** What `enableFastWasmEngine` has switched on in this process (both false until it is called). */
export function fastWasmEngine(): FastWasmEngine {
  return state;
}

/** Runs `fn` whenever the engine settings change (the compiled-kernel caches drop their entries). */
export function onEngineSettingsChange(fn: () => void): void {
  listeners.push(fn);
}
