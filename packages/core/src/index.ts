// @vitkit/core for Node (CommonJS, `exports` condition `default`): the portable API plus files, plugins loaded by
// name, run specs, and the Node engines. Browsers get ./browser through the `browser` condition.
export * from './portable';

export { readSafetensors, writeSafetensors, writeFileAtomic } from './io/safetensors';
export { loadSafetensorsInto, loadWeightsInto, saveSafetensors } from './io/state-dict-file';
export { readWeights } from './io/read-weights';
export { convertWeights } from './io/convert-weights';
export type { ConvertResult } from './io/convert-weights';
export { loadPretrainedFile } from './io/finetune/load-pretrained-file';
export { buildPretrainedModel } from './spec/pretrained-spec';
export type { BuildPretrainedOptions } from './spec/pretrained-spec';
export { createRegistry } from './registry/create-registry';
export { loadPlugins, loadInstalledPlugins, PluginNotFoundError } from './registry/plugins';
export { registerWasmKernels, wasmKernelsRegistered, allowEngineFlags, ENGINE_FLAGS_ENV } from './backend/wasm-kernel-pack';
export { selectBackend, BACKEND_ENV, WASM_THREADS_ENV } from './backend/select-backend';
export type { BackendName, BackendRequest } from './backend/select-backend';
export { ENGINES, ENGINE_ALIASES, packageEngine } from './backend/engines';
export { loadRunSpec } from './spec/run-spec';
export type { RunSpec, LoadedRunSpec } from './spec/run-spec';
export { runForward } from './run/forward';
export type { ForwardArgs, ForwardResult } from './run/forward';
