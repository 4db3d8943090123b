// Run-time compilation of the pack's generated wasm kernels onto the tfjs-backend-wasm heap: the memory import, the
// compile (optimising tier only where the application enabled it, see engine-flags.ts) and the relaxed-SIMD probe.
import { fastWasmEngine, onEngineSettingsChange, v8Module } from './engine-flags';
import { buildModule, FunctionBuilder, MemoryImport, WasmMemory, webAssembly } from './wasm-module-builder';

function memoryImportOf(memory: WasmMemory): MemoryImport {
  // A shared (threaded-build) memory must be imported as shared with a maximum; 65536 pages is the wasm32 limit.
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  return shared ? { initial: 0, maximum: 65536, shared } : { initial: 0, shared };
}

/** Compiles `bytes`; straight to TurboFan (Liftoff off for this one compile) when `enableFastWasmEngine` was called. */
function compile(bytes: Uint8Array): object {
  const v8 = fastWasmEngine().optimizingTier ? v8Module() : undefined;
  if (!v8) return new webAssembly.Module(bytes);
  v8.setFlagsFromString('--no-liftoff');
  try {
    return new webAssembly.Module(bytes);
  } finally {
    v8.setFlagsFromString('--liftoff');
  }
}

let relaxedSimd: boolean | undefined;
onEngineSettingsChange(() => (relaxedSimd = undefined));

/** A function using f32x4.relaxed_madd: it compiles only where relaxed SIMD is enabled. */
function fmaProbe(): FunctionBuilder {
  const f = new FunctionBuilder(['i32']);
  return f.get(0).v128Load(0).get(0).v128Load(0).get(0).v128Load(0).f32x4RelaxedMadd().set(f.local('v128'));
}

/**
 * Whether this JS engine compiles relaxed SIMD (on by default from V8 11.4 / Node 22; on Node 20 only after
 * `enableFastWasmEngine()`). `VITKIT_WASM_FMA=0` turns FMA off. Never changes an engine flag itself.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSimd !== undefined) return relaxedSimd;
  const env = typeof process !== 'undefined' ? process.env : {};
  if (env.VITKIT_WASM_FMA === '0') return (relaxedSimd = false);
  try {
    const memory = new webAssembly.Memory({ initial: 1 });
    instantiateOnMemory(memory, [{ name: 'probe', fn: fmaProbe() }]);
    relaxedSimd = true;
  } catch {
    relaxedSimd = false;
  }
  return relaxedSimd;
}

/** Compiles `functions` into one module that imports `memory`, and returns its exports. */
export function instantiateOnMemory(
  memory: WasmMemory,
  functions: ReadonlyArray<{ name: string; fn: FunctionBuilder }>
): Record<string, unknown> {
  const bytes = buildModule(memoryImportOf(memory), functions);
  return new webAssembly.Instance(compile(bytes), { env: { memory } }).exports;
}

/**
 * A cache of compiled kernels per heap, emptied when the engine settings change (so kernels compiled before
 * `enableFastWasmEngine()` are compiled again, with FMA and the optimising tier).
 */
export function kernelCache<T>(): { get(memory: WasmMemory, build: () => T): T } {
  let entries = new WeakMap<WasmMemory, T>();
  onEngineSettingsChange(() => (entries = new WeakMap()));
  return {
    get(memory, build) {
      let value = entries.get(memory);
      if (value === undefined) entries.set(memory, (value = build()));
      return value;
    },
  };
}

/**
 * The heap the generated kernels run on: the backend's own (unshared) memory, or undefined when the kernels are off
 * (`VITKIT_WASM_JIT=0`, for comparisons) or the heap is not reachable (the threaded build imports a shared memory it
 * does not export; it keeps XNNPACK, which uses its thread pool, and the JS loops).
 */
export function jitMemoryOf(backend: { wasm: { asm?: { memory?: unknown } } }): WasmMemory | undefined {
  if (typeof process !== 'undefined' && process.env?.VITKIT_WASM_JIT === '0') return undefined;
  const memory = backend.wasm.asm?.memory;
  return memory instanceof webAssembly.Memory ? memory : undefined;
}
