import { createRegistry } from '../registry/create-registry';
import { loadInstalledFirstParty, loadPlugins } from '../registry/plugins';
import type { Registry } from '../registry/registry';
import { loadRunSpec, LoadedRunSpec, RunSpec } from '../spec/run-spec';
import type { ModelSpec } from '../spec/model-spec';

/** A registry with every installed first-party plugin plus the plugins a spec lists. */
export function registryFor(loaded?: LoadedRunSpec): Registry {
  const registry = createRegistry();
  loadInstalledFirstParty(registry);
  if (loaded?.spec.plugins?.length) loadPlugins(registry, loaded.spec.plugins, loaded.baseDir);
  return registry;
}

export async function openSpec(ref: string | RunSpec | ModelSpec): Promise<{ loaded: LoadedRunSpec; registry: Registry }> {
  const loaded = await loadRunSpec(ref);
  return { loaded, registry: registryFor(loaded) };
}
