// The wasm kernel pack in a browser: the app imports `@vitkit/wasm-kernels` and passes it to selectBackend
// ({ wasmKernels }); the wasm engine registers it and remembers it here, so code that asks whether the pack's kernels
// are the registered ones (backbones' max-pool gradient choice) gets the same answer as in Node.
import type { WasmKernelPack } from '../backend/engine';

let registeredPack: WasmKernelPack | undefined;

/** Registers `pack`'s kernels for 'wasm' and remembers it for {@link wasmKernelsRegistered}. */
export function registerWasmKernelPack(pack: WasmKernelPack): string[] {
  const kernels = pack.registerWasmKernels();
  registeredPack = pack;
  return kernels;
}

/** True when a pack was passed to selectBackend and every one of its kernels is the one registered for 'wasm'. */
export function wasmKernelsRegistered(): boolean {
  return registeredPack?.wasmKernelsRegistered() ?? false;
}
