import { selectBackend } from '@vitkit/core';
import type { BackendChoice } from '@vitkit/core';

/**
 * Starts tfjs's engine: `?backend=cpu` (webgl, webgpu, wasm) asks for one, else the fastest that starts. The app
 * imports no WebGPU or wasm package, so the automatic choice is WebGL, else cpu.
 */
export async function startBackend(location: Location): Promise<BackendChoice> {
  const requested = new URLSearchParams(location.search).get('backend') ?? undefined;
  return selectBackend({ flag: requested });
}

export function describeBackend(choice: BackendChoice): string {
  return `backend: ${choice.backend} (${choice.provider}${choice.accelerators?.length ? `, ${choice.accelerators.join(', ')}` : ''})`;
}
