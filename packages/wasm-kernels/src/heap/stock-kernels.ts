// The stock tfjs-backend-wasm kernels: the pack keeps the originals it replaces (captured by registerWasmKernels
// before unregistering them) as fall-backs, and calls other stock kernels (Transpose, Reshape, ...) directly.
import { tf } from '@vitkit/core';
import { KernelArgs, WasmBackend } from './wasm-backend';

const captured = new Map<string, tf.KernelConfig>();
const ownKernelFuncs = new Set<tf.KernelFunc>();
const setUpFor = new WeakMap<object, Set<tf.KernelConfig>>();

/** Marks a kernel function as belonging to the pack (so it is never captured as a "stock" kernel). */
export function markOwn(fn: tf.KernelFunc): void {
  ownKernelFuncs.add(fn);
}

export function isOwn(fn: tf.KernelFunc | undefined): boolean {
  return fn != null && ownKernelFuncs.has(fn);
}

/** Remembers the currently registered wasm kernel `name` (if any and not ours) as the stock fall-back. */
export function captureStock(name: string): void {
  const cfg = tf.getKernel(name, 'wasm');
  if (cfg && !isOwn(cfg.kernelFunc) && !captured.has(name)) captured.set(name, cfg);
}

export function hasStock(name: string): boolean {
  if (captured.has(name)) return true;
  const cfg = tf.getKernel(name, 'wasm');
  return cfg != null && !isOwn(cfg.kernelFunc);
}

function stockConfig(name: string): tf.KernelConfig {
  const cfg = captured.get(name) ?? tf.getKernel(name, 'wasm');
  if (!cfg || isOwn(cfg.kernelFunc)) {
    throw new Error(
      `vitkit wasm kernels: the stock wasm kernel ${name} is not available (call registerWasmKernels() after loading @tensorflow/tfjs-backend-wasm)`
    );
  }
  return cfg;
}

function callStock(name: string, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const cfg = stockConfig(name);
  if (cfg.setupFunc) {
    const backendKey = args.backend as object;
    let done = setUpFor.get(backendKey);
    if (!done) setUpFor.set(backendKey, (done = new Set()));
    if (!done.has(cfg)) {
      cfg.setupFunc(args.backend as tf.KernelBackend);
      done.add(cfg);
    }
  }
  return cfg.kernelFunc({
    inputs: args.inputs,
    backend: args.backend as tf.KernelBackend,
    attrs: args.attrs ?? {},
  });
}

/** Runs a stock wasm kernel; its setupFunc (cwrap) is run once per backend first, in case it was never run. */
export function runStock(name: string, args: KernelArgs): tf.TensorInfo {
  const out = callStock(name, args);
  if (Array.isArray(out)) throw new Error(`vitkit wasm kernels: stock kernel ${name} returned several outputs`);
  return out;
}

/** runStock for kernels with several outputs (SplitV, ...). */
export function runStockOutputs(name: string, args: KernelArgs): tf.TensorInfo[] {
  const out = callStock(name, args);
  return Array.isArray(out) ? out : [out];
}

export function stockTranspose(backend: WasmBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runStock('Transpose', { inputs: { x }, backend, attrs: { perm } });
}

/** A tensor info sharing `x`'s data with another shape (refcounted like the stock Reshape): release it after use. */
export function reshapeInfo(backend: WasmBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runStock('Reshape', { inputs: { x }, backend, attrs: { shape } });
}

