import { createRegistry, loadInstalledPlugins, loadPlugins, registerWasmKernels, selectBackend, tf, usePlugin, wasmKernelsRegistered } from '@vitkit/core';
import type { Registry, SelectBackendOptions, VitkitPlugin } from '@vitkit/core';
import { trainerPlugin } from './components';

// The set-up every training process repeats before it builds anything (the trainer, its data-parallel workers, the
// segmentation commands, the benchmark): one registry sequence and one backend sequence, so that they cannot drift.

export interface RunRegistryOptions {
  /** Start from this registry (its caller chose the plugins) instead of an empty one. */
  registry?: Registry;
  /**
   * Plugin packages loaded if installed and skipped otherwise: a caller's defaults (the CLI's `DEFAULT_PLUGINS`) or
   * the plugins a data-parallel worker replays from its main thread.
   */
  packages?: readonly string[];
  /** Plugin objects registered besides the trainer's own optimizers, schedules and losses. */
  plugins?: readonly VitkitPlugin[];
  /** Plugin modules a spec names (package names or paths) … */
  specPlugins?: readonly string[];
  /** … and the folder their relative paths resolve against (default: the working directory). */
  dir?: string;
}

/**
 * The registry a run builds from: the given one (or core alone), then the trainer's components, `plugins`, the
 * installed ones of `packages` and the spec's plugins. Nothing loads unasked: core keeps no list of plugins.
 */
export function runRegistry(o: RunRegistryOptions = {}): Registry {
  const registry = o.registry ?? createRegistry();
  usePlugin(registry, trainerPlugin);
  for (const p of o.plugins ?? []) usePlugin(registry, p);
  if (o.packages?.length) loadInstalledPlugins(registry, o.packages, o.dir ?? process.cwd());
  if (o.specPlugins?.length) loadPlugins(registry, [...o.specPlugins], o.dir ?? process.cwd());
  return registry;
}

/** Training on wasm needs the kernel pack (conv filter gradients, fast transposed matMuls); register it if needed. */
export function ensureWasmKernels(): void {
  if (tf.getBackend() !== 'wasm') return;
  if (!wasmKernelsRegistered()) registerWasmKernels();
}

/** Selects the backend (flag > environment > spec > default order, as `selectBackend`) and readies it for training. */
export async function prepareBackend(o: SelectBackendOptions): Promise<void> {
  await selectBackend(o);
  ensureWasmKernels();
}
