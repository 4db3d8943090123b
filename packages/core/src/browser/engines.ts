// The engines of a browser, fastest first. A backend package the app has imported registers its factory with tfjs
// (`import '@tensorflow/tfjs-backend-webgpu'`); core imports none of them, so an app bundles only what it uses.
import { tf } from '../tf';
import { activate, cpuEngine } from '../backend/engine';
import type { Engine, EngineFailure } from '../backend/engine';
import { registerWasmKernelPack } from './wasm-kernels';

interface WithGpu {
  navigator?: { gpu?: { requestAdapter(): Promise<unknown> } };
}

/** Not imported by the app: not installed, as far as the choice goes. */
function registered(backend: string): boolean {
  return tf.findBackendFactory(backend) != null;
}

function failed(message: string): EngineFailure {
  return { reason: 'failed', error: new Error(message) };
}

const webgpuEngine: Engine = {
  name: 'webgpu',
  install: '@tensorflow/tfjs-backend-webgpu (and import it in the app)',
  async start() {
    if (!registered('webgpu')) return { reason: 'not-installed' };
    const gpu = (globalThis as WithGpu).navigator?.gpu;
    if (!gpu) return failed('this browser has no WebGPU (navigator.gpu)');
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (!adapter) return failed('this browser offers no WebGPU adapter');
    return (await activate('webgpu')) ? { backend: 'webgpu', provider: '@tensorflow/tfjs-backend-webgpu' } : failed('tf.setBackend("webgpu") failed');
  },
};

const webglEngine: Engine = {
  name: 'webgl',
  install: '@tensorflow/tfjs',
  async start() {
    if (!registered('webgl')) return { reason: 'not-installed' };
    return (await activate('webgl')) ? { backend: 'webgl', provider: '@tensorflow/tfjs-backend-webgl' } : failed('no WebGL context (tf.setBackend("webgl") failed)');
  },
};

const wasmEngine: Engine = {
  name: 'wasm',
  install: '@tensorflow/tfjs-backend-wasm (and import it in the app)',
  async start({ threads, requestedThreads, wasmKernels }) {
    if (!registered('wasm')) return { reason: 'not-installed' };
    // In a page tfjs picks its threaded build itself when the page is cross-origin isolated; a count is Node's.
    if (requestedThreads !== undefined && threads > 1) return failed('a wasm thread count is set in Node only; in a page tfjs-backend-wasm decides');
    // The kernel pack (conv and gather gradients, fast matmuls, fused ops), when the app passed it.
    if (wasmKernels) registerWasmKernelPack(wasmKernels);
    if (!(await activate('wasm'))) return failed('tf.setBackend("wasm") failed (are the .wasm files served? see setWasmPaths)');
    return { backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', ...(wasmKernels ? { accelerators: ['@vitkit/wasm-kernels'] } : {}) };
  },
};

/** Every browser engine, fastest first: the automatic order. */
export const BROWSER_ENGINES: readonly Engine[] = [webgpuEngine, webglEngine, wasmEngine, cpuEngine];
