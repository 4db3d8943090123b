// createRegistry for Node: plugins as objects and, by package name or path, loaded with `require`. The browser build
// has its own (../browser/create-registry), on the same portable core (./core-plugin).
import { registryWithPlugins } from './core-plugin';
import type { CreateRegistryOptions } from './core-plugin';
import { loadPlugins } from './plugins';
import type { Registry } from './registry';

export { corePlugin } from './core-plugin';
export type { CreateRegistryOptions } from './core-plugin';

/** A new registry with core's components and the given plugins. */
export function createRegistry(options: CreateRegistryOptions = {}): Registry {
  const registry = registryWithPlugins(options.plugins);
  if (options.load?.length) loadPlugins(registry, options.load, options.baseDir);
  return registry;
}
