import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PluginLoadError } from './plugin-load-error';
import { loadPlugins } from './plugins';
import { Registry } from './registry';

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'vitkit-plugin-faults-'));
  await fsp.writeFile(path.join(dir, 'throws.js'), `throw new Error('boom from plugin file');`);
  await fsp.writeFile(path.join(dir, 'truncated.js'), `exports.plugin = { name: 'cut', register(r) {`);
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

function loadError(id: string): PluginLoadError {
  try {
    loadPlugins(new Registry(), [id], dir);
  } catch (e) {
    expect(e).toBeInstanceOf(PluginLoadError);
    return e as PluginLoadError;
  }
  throw new Error(`loading ${id} did not fail`);
}

describe('a plugin file that fails to load', () => {
  it('throwing while it runs: the message names the plugin, its file and the error', () => {
    const e = loadError('./throws.js');
    expect(e.message).toBe(`plugin "./throws.js" (${path.join(dir, 'throws.js')}) failed to load: boom from plugin file`);
    expect(e.plugin).toBe('./throws.js');
    expect((e.cause as Error).message).toBe('boom from plugin file');
  });

  it('that does not parse: the message names the plugin and says it is a syntax error', () => {
    const e = loadError('./truncated.js');
    // (node says "Unexpected end of input"; under Jest's module wrapper the token differs)
    expect(e.message.startsWith(`plugin "./truncated.js" (${path.join(dir, 'truncated.js')}) failed to load: SyntaxError: Unexpected `)).toBe(true);
  });
});
