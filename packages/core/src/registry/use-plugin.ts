import type { Registry } from './registry';
import type { VitkitPlugin } from './types';

/** Registers an already-imported plugin once. */
export function usePlugin(registry: Registry, plugin: VitkitPlugin): void {
  if (registry.markPluginLoaded(plugin.name)) plugin.register(registry);
}
