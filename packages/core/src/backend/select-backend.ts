// selectBackend in Node: the engines of ./engines, $VITKIT_BACKEND and $VITKIT_WASM_THREADS. The browser build has
// its own (../browser/select-backend) on the same portable choice (./choose-backend).
import { chooseBackend, platformEngineNames, selectOptions } from './choose-backend';
import type { BackendPlatform, SelectBackendOptions } from './choose-backend';
import type { BackendChoice } from './engine';
import { ENGINE_ALIASES, ENGINES } from './engines';

export type { BackendChoice } from './engine';
export { selectedBackend, UnknownBackendError } from './choose-backend';
export type { SelectBackendOptions } from './choose-backend';

export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

/** What the user may ask for: a backend, or the node package that provides it. */
export type BackendRequest = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | BackendName;

export const BACKEND_ENV = 'VITKIT_BACKEND';
/** Threads for the wasm backend (multi-threaded build, patched for Node); default 1 — see BENCHMARKS.md. */
export const WASM_THREADS_ENV = 'VITKIT_WASM_THREADS';

function nodePlatform(): BackendPlatform {
  return {
    engines: ENGINES,
    aliases: ENGINE_ALIASES,
    env: { value: process.env[BACKEND_ENV], source: `$${BACKEND_ENV}` },
    defaultThreads: () => Number(process.env[WASM_THREADS_ENV] ?? 1),
    threadsSource: WASM_THREADS_ENV,
  };
}

/** Every name a user may write in Node: auto, the engines, the aliases. */
export function engineNames(): string[] {
  return platformEngineNames(nodePlatform());
}

/**
 * Starts a backend and makes it tfjs's active one. The name comes from, in this order: `flag` > `$VITKIT_BACKEND` >
 * `spec` > automatic (the fastest installed: tfjs-node-gpu, tfjs-node, native, wasm, cpu). A named backend that cannot start
 * is an error naming the package to install; an unknown name is an error naming where it was written. A string
 * argument is the flag: `selectBackend('wasm')`. Prints `vitkit: backend …` on stderr unless `quiet`.
 */
export async function selectBackend(request?: BackendRequest | string | SelectBackendOptions, options: SelectBackendOptions = {}): Promise<BackendChoice> {
  return chooseBackend(nodePlatform(), selectOptions(request, options));
}
