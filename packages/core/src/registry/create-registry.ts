import { linearHead } from '../heads/linear-head';
import { CORE_KIND_CONTRACTS } from './kinds';
import { loadPlugins, usePlugin } from './plugins';
import { Registry } from './registry';
import type { VitkitPlugin } from './types';

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
  /** Plugin package names or paths to load with `require`. */
  load?: string[];
  baseDir?: string;
}

/** A new registry with core's components and the given plugins. */
export function createRegistry(options: CreateRegistryOptions = {}): Registry {
  const registry = new Registry();
  usePlugin(registry, corePlugin);
  for (const p of options.plugins ?? []) usePlugin(registry, p);
  if (options.load?.length) loadPlugins(registry, options.load, options.baseDir);
  return registry;
}
