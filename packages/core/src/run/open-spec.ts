import { createRegistry } from '../registry/create-registry';
import { loadInstalledFirstParty, loadPlugins } from '../registry/plugins';
import type { Registry } from '../registry/registry';
import type { LoadedRunSpec } from '../spec/run-spec';

/**
 * A registry with every installed first-party plugin plus the plugins a spec lists: the default of `runForward` for
 * callers that bring no registry (the CLI, `@vitkit/cli`, builds its own and passes it).
 */
export function registryFor(loaded?: LoadedRunSpec): Registry {
  const registry = createRegistry();
  loadInstalledFirstParty(registry);
  if (loaded?.spec.plugins?.length) loadPlugins(registry, loaded.spec.plugins, loaded.baseDir);
  return registry;
}
