import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { engineRuntimeProblems, ORT_ENGINE_FILES, ORT_FILES } from './ort-files';

// The installed onnxruntime-web's dist/ (the package exports no package.json; its main file sits there).
const ORT_DIST = dirname(require.resolve('onnxruntime-web'));
const readText = (name: string): string => readFileSync(join(ORT_DIST, name), 'utf8');

describe('the onnxruntime-web files the ONNX tab serves, against the installed package', () => {
  it('every listed file exists in the package', () => {
    const missing = ORT_FILES.filter((name) => {
      try {
        readFileSync(join(ORT_DIST, name));
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });

  it("each engine's entry names the runtime listed for it (the WebGPU entry's asyncify build, not JSEP)", () => {
    expect(engineRuntimeProblems(readText)).toEqual([]);
    expect(ORT_FILES).toEqual(expect.arrayContaining(['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']));
  });

  it('an onnxruntime-web whose WebGPU entry loads another runtime is reported with the entry and engine', () => {
    const { entry } = ORT_ENGINE_FILES.webgpu;
    const upgraded = (name: string): string => (name === entry ? readText(name).replaceAll('ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.next.mjs') : readText(name));
    expect(engineRuntimeProblems(upgraded)).toEqual(['ort.webgpu.min.mjs (the webgpu engine) does not load ort-wasm-simd-threaded.asyncify.mjs']);
  });
});
