/**
 * onnxruntime-web's files the ONNX tab loads at run time, served with the app under `ort/` (see
 * vite/ort-files-plugin.ts). They are loaded from there rather than bundled: onnxruntime-web fetches its Emscripten
 * runtime (a .mjs and its .wasm) beside its own module.
 *
 * Each engine's entry module loads its own runtime build: in the onnxruntime-web installed here (1.31) the WebGPU
 * entry runs the asyncify build (the native WebGPU provider, microsoft/onnxruntime#24856), not the JSEP one that
 * `ort.all` still uses. The plugin checks at build time that every entry still names its runtime, so an upgrade that
 * renames one fails the build instead of the tab.
 */
export const ORT_DIR = 'ort/';

export type OrtEngine = 'webgpu' | 'wasm';

export interface OrtEngineFiles {
  /** The ES module the page imports. */
  readonly entry: string;
  /** The Emscripten runtime the entry fetches: `<runtime>.mjs` and `<runtime>.wasm`. */
  readonly runtime: string;
}

export const ORT_ENGINE_FILES: Readonly<Record<OrtEngine, OrtEngineFiles>> = {
  wasm: { entry: 'ort.wasm.min.mjs', runtime: 'ort-wasm-simd-threaded' },
  webgpu: { entry: 'ort.webgpu.min.mjs', runtime: 'ort-wasm-simd-threaded.asyncify' },
};

/** Every file served under ORT_DIR. */
export const ORT_FILES: readonly string[] = Object.values(ORT_ENGINE_FILES).flatMap((e) => [e.entry, `${e.runtime}.mjs`, `${e.runtime}.wasm`]);

/**
 * What is wrong with ORT_ENGINE_FILES against an onnxruntime-web install (`readText` reads a file of its dist/): an
 * entry that does not name its runtime's module. Empty when the list is right. onnxruntime-web fetches the runtime
 * only at session creation, so a stale list builds fine and fails only in a browser with that engine.
 */
export function engineRuntimeProblems(readText: (name: string) => string): string[] {
  return Object.entries(ORT_ENGINE_FILES).flatMap(([engine, { entry, runtime }]) =>
    readText(entry).includes(`"${runtime}.mjs"`) ? [] : [`${entry} (the ${engine} engine) does not load ${runtime}.mjs`],
  );
}
