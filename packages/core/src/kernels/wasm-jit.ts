// Run-time compilation of the pack's generated wasm kernels onto the tfjs-backend-wasm heap: the memory import, V8's
// optimising tier, and the relaxed-SIMD feature probe.
import { buildModule, FunctionBuilder, MemoryImport, WasmMemory, webAssembly } from './wasm-module-builder';

function memoryImportOf(memory: WasmMemory): MemoryImport {
  // A shared (threaded-build) memory must be imported as shared with a maximum; 65536 pages is the wasm32 limit.
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  return shared ? { initial: 0, maximum: 65536, shared } : { initial: 0, shared };
}

type V8 = { setFlagsFromString(flags: string): void };

function v8Module(): V8 | undefined {
  if (typeof process === 'undefined' || !process.versions?.node) return undefined;
  try {
    return require('v8') as V8;
  } catch {
    return undefined;
  }
}

/**
 * Compiles straight to V8's optimising tier. Measured: Node 20 never tiers these few, long-running functions up
 * from the Liftoff baseline (12-14 GFLOP/s), while TurboFan code runs the same tile at 22-26 GFLOP/s.
 */
function compileOptimized(bytes: Uint8Array): object {
  const v8 = v8Module();
  if (!v8) return new webAssembly.Module(bytes);
  v8.setFlagsFromString('--no-liftoff');
  try {
    return new webAssembly.Module(bytes);
  } finally {
    v8.setFlagsFromString('--liftoff');
  }
}

let relaxedSimd: boolean | undefined;

/** A function using f32x4.relaxed_madd: it compiles only where relaxed SIMD is enabled. */
function fmaProbe(): FunctionBuilder {
  const f = new FunctionBuilder(['i32']);
  return f.get(0).v128Load(0).get(0).v128Load(0).get(0).v128Load(0).f32x4RelaxedMadd().set(f.local('v128'));
}

/**
 * Whether this JS engine compiles relaxed SIMD. Node 20's V8 (11.3) has it behind `--experimental-wasm-relaxed-simd`,
 * which is switched on here (a wasm feature flag; it only adds instructions). `VITKIT_WASM_FMA=0` turns FMA off.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSimd !== undefined) return relaxedSimd;
  const env = typeof process !== 'undefined' ? process.env : {};
  if (env.VITKIT_WASM_FMA === '0') return (relaxedSimd = false);
  const probe = () => {
    try {
      const memory = new webAssembly.Memory({ initial: 1 });
      instantiateOnMemory(memory, [{ name: 'probe', fn: fmaProbe() }]);
      return true;
    } catch {
      return false;
    }
  };
  relaxedSimd = probe();
  const v8 = v8Module();
  if (!relaxedSimd && v8) {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxedSimd = probe();
  }
  return relaxedSimd;
}

/** Compiles `functions` into one module that imports `memory`, and returns its exports. */
export function instantiateOnMemory(
  memory: WasmMemory,
  functions: ReadonlyArray<{ name: string; fn: FunctionBuilder }>
): Record<string, unknown> {
  const bytes = buildModule(memoryImportOf(memory), functions);
  return new webAssembly.Instance(compileOptimized(bytes), { env: { memory } }).exports;
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
