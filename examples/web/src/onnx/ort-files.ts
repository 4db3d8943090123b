/**
 * onnxruntime-web's files the ONNX tab loads at run time, served with the app under `ort/` (see
 * vite/ort-files-plugin.ts): the wasm engine's module and runtime, and the WebGPU engine's, whose entry in
 * onnxruntime-web 1.31 loads the asyncify runtime (not the JSEP one). They are loaded from there rather than bundled:
 * onnxruntime-web fetches its runtime beside its own module.
 */
export const ORT_DIR = 'ort/';

export const ORT_ENTRIES = {
  wasm: 'ort.wasm.min.mjs',
  webgpu: 'ort.webgpu.min.mjs',
} as const;

export const ORT_FILES: readonly string[] = [
  ORT_ENTRIES.wasm,
  ORT_ENTRIES.webgpu,
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
];
