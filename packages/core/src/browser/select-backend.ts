import { chooseBackend, selectOptions } from '../backend/choose-backend';
import type { BackendPlatform, SelectBackendOptions } from '../backend/choose-backend';
import type { BackendChoice } from '../backend/engine';
import { BROWSER_ENGINES } from './engines';

const BROWSER: BackendPlatform = { engines: BROWSER_ENGINES, aliases: {}, defaultThreads: () => 1 };

/**
 * Starts a backend in a browser and makes it tfjs's active one: the named one (`flag` > `spec`), else the first that
 * starts of WebGPU (when the app imported `@tensorflow/tfjs-backend-webgpu` and the browser has an adapter), WebGL,
 * wasm (when the app imported `@tensorflow/tfjs-backend-wasm`; with `wasmKernels`, vitkit's kernel pack) and cpu.
 * Prints `vitkit: backend …` on the console unless `quiet`, as Node prints it on stderr.
 */
export async function selectBackend(request?: string | SelectBackendOptions, options: SelectBackendOptions = {}): Promise<BackendChoice> {
  return chooseBackend(BROWSER, selectOptions(request, options));
}
