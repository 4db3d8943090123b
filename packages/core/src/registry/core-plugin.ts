import { linearHead } from '../heads/linear-head';
import { CORE_KIND_CONTRACTS } from './kinds';
import { Registry } from './registry';
import type { VitkitPlugin } from './types';
import { usePlugin } from './use-plugin';

/** The components core itself contributes, and the contracts of the kinds core knows. */
export const corePlugin: VitkitPlugin = {
  name: '@vitkit/core',
  register(registry) {
    for (const contract of CORE_KIND_CONTRACTS) registry.defineKind(contract);
    registry.register(linearHead);
  },
};

export interface CreateRegistryOptions {
  /** Plugin objects to register (what `import { plugin } from '@vitkit/tokenizers'` gives). */
  plugins?: VitkitPlugin[];
  /** Plugin package names or paths to load with `require` (Node only: a browser has nothing to load them from). */
  load?: string[];
  baseDir?: string;
}

/** A new registry with core's components and the given plugin objects (what `createRegistry` builds on). */
export function registryWithPlugins(plugins: readonly VitkitPlugin[] = []): Registry {
  const registry = new Registry();
  usePlugin(registry, corePlugin);
  for (const p of plugins) usePlugin(registry, p);
  return registry;
}
