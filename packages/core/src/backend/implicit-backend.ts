import { tf } from '../tf';
import { selectedBackend } from './choose-backend';
import { sayLine } from './say';

// A model built before any backend was chosen would run on whatever tfjs picks synchronously: its pure-JS cpu
// backend, with tfjs's "install tfjs-node" banner. vitkit's default engine (wasm) starts asynchronously, so a
// synchronous model constructor cannot switch to it; instead the first build says once, in one line, what to call.

let checked = false;

/** The line printed (once) when a model is built with no backend selected. */
export const NO_BACKEND_WARNING =
  "vitkit: no backend selected, so this model runs on tfjs's slow pure-JS cpu backend; call `await selectBackend()` first (picks tfjs-node-gpu > tfjs-node > wasm > cpu)";

interface EngineInternals {
  backendInstance: unknown;
  pendingBackendInit: unknown;
  registryFactory: Record<string, { priority: number }>;
}

/** Called when a model creates its first parameter: warns once when tfjs is about to fall back to its cpu backend. */
export function checkBackendChosen(): void {
  if (checked) return;
  checked = true;
  if (selectedBackend()) return;
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.backendInstance != null || engine.pendingBackendInit != null) return; // chosen by the application
  const best = Object.entries(engine.registryFactory).sort((a, b) => b[1].priority - a[1].priority)[0]?.[0];
  if (best !== 'cpu') return; // tfjs will start a faster backend the application loaded itself
  sayLine(NO_BACKEND_WARNING);
  // Start it now (what tfjs would do at the first tensor) and silence its banner: vitkit said it, once.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}
