import { PluginLoadError as CorePluginLoadError, createRegistry, loadPlugins, loadRunSpec, PluginNotFoundError, SpecError, usePlugin } from '@vitkit/core';
import type { LoadedRunSpec, Registry, VitkitPlugin } from '@vitkit/core';
import { DEFAULT_PLUGINS } from './default-plugins';
import { PluginLoadError } from './exit-codes';
import { requireIfInstalled } from './optional-package';

/** Where a run's plugins come from: the CLI's defaults, the spec's "plugins" and `--plugins`. */
export interface RunPlugins {
  /** Plugin objects the command itself needs (e.g. the trainer's optimizers for `train`). */
  use?: VitkitPlugin[];
  /** The spec's "plugins" list and the folder its relative paths resolve against. */
  spec?: { ids: readonly string[]; dir: string };
  /** The `--plugins a,b` flag; relative paths resolve against the working directory. */
  flag?: string;
}

/** Splits `--plugins ./x.js,pkg` into ids. */
export function parsePluginsFlag(flag: string | undefined): string[] {
  return (flag ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

function loadChecked(registry: Registry, ids: readonly string[], dir: string): void {
  for (const id of ids) {
    try {
      loadPlugins(registry, [id], dir);
    } catch (e) {
      // core names the plugin already (PluginLoadError) when the file throws or does not parse
      if (e instanceof PluginNotFoundError || e instanceof SpecError || e instanceof CorePluginLoadError) throw e;
      throw new PluginLoadError(id, e);
    }
  }
}

/**
 * The registry every subcommand builds from (the one run set-up of the CLI): core, the installed first-party
 * plugins, then the command's own, the spec's and `--plugins`. A plugin that is found but throws is invalid input.
 */
export function createRunRegistry(plugins: RunPlugins = {}): Registry {
  const registry = createRegistry();
  for (const id of DEFAULT_PLUGINS) {
    const mod = requireIfInstalled<{ plugin?: VitkitPlugin }>(id);
    if (mod?.plugin) usePlugin(registry, mod.plugin);
  }
  for (const p of plugins.use ?? []) usePlugin(registry, p);
  if (plugins.spec?.ids.length) loadChecked(registry, plugins.spec.ids, plugins.spec.dir);
  loadChecked(registry, parsePluginsFlag(plugins.flag), process.cwd());
  return registry;
}

/** Loads a model spec (preset name, spec file or object) and its registry: what list/info/forward/demo start from. */
export async function openModelSpec(ref: string, pluginsFlag?: string): Promise<{ loaded: LoadedRunSpec; registry: Registry }> {
  const loaded = await loadRunSpec(ref);
  return { loaded, registry: createRunRegistry({ spec: { ids: loaded.spec.plugins ?? [], dir: loaded.baseDir }, flag: pluginsFlag }) };
}
