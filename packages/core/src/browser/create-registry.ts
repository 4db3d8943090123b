import { registryWithPlugins } from '../registry/core-plugin';
import type { CreateRegistryOptions } from '../registry/core-plugin';
import type { Registry } from '../registry/registry';

/** A new registry with core's components and the given plugin objects; a browser cannot load plugins by name. */
export function createRegistry(options: CreateRegistryOptions = {}): Registry {
  if (options.load?.length) {
    throw new Error(
      `createRegistry: plugins by name (load: ${options.load.join(', ')}) are loaded with Node's require; in a browser, import each plugin and pass it in \`plugins\``,
    );
  }
  return registryWithPlugins(options.plugins);
}
