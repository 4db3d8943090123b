import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRegistry } from './create-registry';
import { loadInstalledPlugins, loadPlugins, PluginNotFoundError, usePlugin } from './plugins';
import { Registry } from './registry';
import type { VitkitPlugin } from './types';

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'vitkit-plugins-'));
  const def = (name: string, owner: string) =>
    `{ kind: 'tokenizer', name: '${name}', owner: '${owner}', description: '', options: { description: 'any', parse: (v) => v }, create: () => null }`;
  await fsp.writeFile(path.join(dir, 'named.js'), `exports.plugin = { name: 'named-plugin', register(r) { r.register(${def('from-named', 'named-plugin')}); } };`);
  await fsp.writeFile(path.join(dir, 'bare.js'), `exports.register = function (r) { r.register(${def('from-bare', './bare.js')}); };`);
  await fsp.writeFile(path.join(dir, 'esm-default.js'), `exports.default = { plugin: { name: 'esm-plugin', register(r) { r.register(${def('from-esm', 'esm-plugin')}); } } };`);
  await fsp.writeFile(path.join(dir, 'clash.js'), `exports.plugin = { name: 'clash-plugin', register(r) { r.register(${def('from-named', 'clash-plugin')}); } };`);
  await fsp.writeFile(path.join(dir, 'not-a-plugin.js'), `exports.something = 1;`);
  // an installed package with an exports map (its subpaths are not requireable)
  const pkg = path.join(dir, 'node_modules', 'vitkit-plugin-installed');
  await fsp.mkdir(pkg, { recursive: true });
  await fsp.writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: 'vitkit-plugin-installed', exports: { '.': './index.js' } }));
  await fsp.writeFile(path.join(pkg, 'index.js'), `exports.plugin = { name: 'vitkit-plugin-installed', register(r) { r.register(${def('from-installed', 'vitkit-plugin-installed')}); } };`);
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('plugin loading', () => {
  // (Jest maps every `@vitkit/*` import to a workspace folder, so a scope other than @vitkit is used here.)
  it('a missing package is an error naming the npm install command', () => {
    const r = new Registry();
    let err: unknown;
    try {
      loadPlugins(r, ['@someone/vitkit-no-such-plugin'], dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PluginNotFoundError);
    expect((err as Error).message).toBe('plugin "@someone/vitkit-no-such-plugin" is not installed; install it with: npm install @someone/vitkit-no-such-plugin');
    expect(() => loadPlugins(r, ['vitkit-plugin-nope'])).toThrow('npm install vitkit-plugin-nope');
  });

  it('a missing local path names where it was resolved from (no npm advice)', () => {
    expect(() => loadPlugins(new Registry(), ['./missing-plugin.js'], dir)).toThrow(`plugin "./missing-plugin.js" not found (resolved from ${dir})`);
  });

  it('loads `plugin` exports, bare `register` exports and default-wrapped exports from paths', () => {
    const r = new Registry();
    loadPlugins(r, ['./named.js', path.join(dir, 'bare.js'), './esm-default.js'], dir);
    expect(r.names('tokenizer')).toEqual(['from-bare', 'from-esm', 'from-named']);
    expect(r.loadedPlugins()).toEqual(['named-plugin', path.join(dir, 'bare.js'), 'esm-plugin']);
    // loading the same plugin again is a no-op (no duplicate-registration error)
    expect(() => loadPlugins(r, ['./named.js'], dir)).not.toThrow();
  });

  it('rejects a module that is not a plugin, naming what it should export', () => {
    expect(() => loadPlugins(new Registry(), ['./not-a-plugin.js'], dir)).toThrow(
      'module "./not-a-plugin.js" is not a vitkit plugin: it exports neither `plugin` ({ name, register }) nor `register(registry)`',
    );
  });

  it('two plugins registering the same component fail with both owners named', () => {
    const r = new Registry();
    loadPlugins(r, ['./named.js'], dir);
    expect(() => loadPlugins(r, ['./clash.js'], dir)).toThrow('tokenizer "from-named" is registered twice: by named-plugin and by clash-plugin');
  });

  it('usePlugin registers an imported plugin once; createRegistry takes plugin objects and paths', () => {
    let calls = 0;
    const p: VitkitPlugin = {
      name: '@test/counting',
      register: () => {
        calls++;
      },
    };
    const r = createRegistry({ plugins: [p], load: ['./named.js'], baseDir: dir });
    usePlugin(r, p);
    expect(calls).toBe(1);
    expect(r.loadedPlugins()).toEqual(['@vitkit/core', '@test/counting', 'named-plugin']);
    expect(r.has('tokenizer', 'from-named')).toBe(true);
  });

  it('loadInstalledPlugins loads the installed packages of a list the caller gives and skips the others', () => {
    const r = createRegistry();
    const loaded = loadInstalledPlugins(r, ['vitkit-plugin-absent', 'vitkit-plugin-installed', 'vitkit-plugin-installed/tests', '@vitkit/core'], dir);
    expect(loaded).toEqual(['vitkit-plugin-installed']);
    expect(r.loadedPlugins()).toEqual(['@vitkit/core', 'vitkit-plugin-installed']);
    expect(r.has('tokenizer', 'from-installed')).toBe(true);
    // again: already loaded, nothing new
    expect(loadInstalledPlugins(r, ['vitkit-plugin-installed'], dir)).toEqual([]);
  });

  it('core loads no plugin by itself: a new registry holds core only', () => {
    expect(createRegistry().loadedPlugins()).toEqual(['@vitkit/core']);
  });
});
