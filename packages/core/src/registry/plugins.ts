import * as path from 'path';
import { PluginLoadError } from './plugin-load-error';
import type { Registry } from './registry';
import type { RegistryLike, VitkitPlugin } from './types';
import { usePlugin } from './use-plugin';

export class PluginNotFoundError extends Error {
  constructor(readonly plugin: string, where: string) {
    super(
      plugin.startsWith('.') || path.isAbsolute(plugin)
        ? `plugin "${plugin}" not found (resolved from ${where})`
        : `plugin "${plugin}" is not installed; install it with: npm install ${plugin}`,
    );
    this.name = 'PluginNotFoundError';
  }
}

function asPlugin(mod: unknown, id: string): VitkitPlugin {
  const m = mod as { plugin?: VitkitPlugin; default?: unknown; register?: (r: RegistryLike) => void; name?: string };
  if (m.plugin && typeof m.plugin.register === 'function') return m.plugin;
  if (typeof m.register === 'function') return { name: id, register: m.register };
  if (m.default && m.default !== mod) return asPlugin(m.default, id);
  throw new Error(`module "${id}" is not a vitkit plugin: it exports neither \`plugin\` ({ name, register }) nor \`register(registry)\``);
}

// Portable (browsers have no loading by name): kept in its own file, re-exported here for existing importers.
export { usePlugin } from './use-plugin';

/**
 * Loads plugins by package name or path (relative paths resolve against `baseDir`, typically the spec's folder).
 * A plugin that is not installed is an error naming the install command.
 */
export function loadPlugins(registry: Registry, ids: string[], baseDir = process.cwd()): void {
  for (const id of ids) {
    const local = id.startsWith('.') || path.isAbsolute(id);
    const request = local ? path.resolve(baseDir, id) : id;
    let mod: unknown;
    try {
      mod = tryRequire(request, [baseDir, process.cwd()]);
    } catch (e) {
      throw new PluginLoadError(id, resolvedFile(request, [baseDir, process.cwd()]), e);
    }
    if (mod === undefined) throw new PluginNotFoundError(id, baseDir);
    usePlugin(registry, asPlugin(mod, id));
  }
}

function isNotFound(e: unknown, request: string): boolean {
  const err = e as NodeJS.ErrnoException;
  return err?.code === 'MODULE_NOT_FOUND' && err.message.includes(request);
}

/** The file `request` resolves to, for messages (the request itself when it does not resolve). */
function resolvedFile(request: string, paths: string[]): string {
  try {
    return require.resolve(request, { paths });
  } catch {
    return request;
  }
}

/** Requires from the user's folders first (third-party plugins live there), then from core's own location. */
function tryRequire(request: string, paths: string[]): unknown {
  try {
    return require(require.resolve(request, { paths }));
  } catch (e) {
    if (!isNotFound(e, request)) throw e;
  }
  try {
    return require(request);
  } catch (e) {
    if (!isNotFound(e, request)) throw e;
    return undefined;
  }
}

/**
 * Loads those of `ids` (package names) that are installed and returns their names; the others are skipped. Core keeps
 * no list of its own: which packages a caller loads by default is the caller's choice (the CLI's `DEFAULT_PLUGINS`, a
 * data-parallel worker replaying its main thread's plugins).
 */
export function loadInstalledPlugins(registry: Registry, ids: readonly string[], baseDir = process.cwd()): string[] {
  const loaded: string[] = [];
  for (const id of ids) {
    if (registry.loadedPlugins().includes(id)) continue;
    const mod = tryRequireInstalled(id, [baseDir, process.cwd()]);
    if (mod === undefined) continue;
    usePlugin(registry, asPlugin(mod, id));
    loaded.push(id);
  }
  return loaded;
}

/**
 * `tryRequire` for a name that may not be a package at all (a plugin object's name such as `my-tests/extra`): a
 * subpath the package does not export counts as not installed too.
 */
function tryRequireInstalled(id: string, paths: string[]): unknown {
  try {
    return tryRequire(id, paths);
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return undefined;
    throw e;
  }
}
