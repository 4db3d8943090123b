// The test page's script: puts the browser tests' entry points on globalThis for the Node side to call.
// The app imports the backends it wants (tfjs' union package brings WebGL and cpu; wasm is imported here).
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { runParity } from './parity';
import type { BrowserTestApi } from './protocol';
import { runTraining } from './training';

/** Where the page's server puts tfjs-backend-wasm's .wasm files. */
setWasmPaths('/wasm/');

const api: BrowserTestApi = { runParity, runTraining };
(globalThis as { vitkitBrowserTests?: BrowserTestApi }).vitkitBrowserTests = api;
