import * as path from 'path';
import { build } from 'esbuild';
import type { Message, Metafile } from 'esbuild';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Node's built-in modules a browser bundle must never reach (a `node:` prefix or not). */
export const NODE_ONLY_MODULES = ['fs', 'path', 'module', 'worker_threads', 'child_process', 'os', 'url', 'util', 'stream', 'crypto', 'net', 'http', 'https', 'tty', 'zlib', 'readline', 'process'];
const NODE_ONLY = new RegExp(`^(node:)?(${NODE_ONLY_MODULES.join('|')})(/.*)?$`);

export interface BrowserBundle {
  /** The ES module, one file. */
  code: string;
  /** Every source file in it, relative to the repository root. */
  inputs: string[];
  /** `importer imports module` for each import of a Node built-in that esbuild could not leave out. */
  nodeImports: string[];
}

/** Records `importer → module` for Node built-ins; esbuild would stop at the first one, this names every one. */
function nodeOnlyImports(messages: Message[]): string[] {
  return messages.flatMap((m) => {
    const target = /Could not resolve "([^"]+)"/.exec(m.text)?.[1];
    return target && NODE_ONLY.test(target) ? [`${m.location?.file ?? '?'} imports ${target}`] : [];
  });
}

/** A source file, or a package as an app imports it (`{ module: '@vitkit/core' }`: everything it exports). */
export type BundleEntry = string | { module: string };

/**
 * Bundles `entry` as a browser would get it: esbuild with platform `browser`, which picks each package's `browser`
 * export condition (and the `browser` field's stand-ins of dependencies such as tfjs-backend-wasm's fs). A Node
 * built-in left over cannot be resolved there and is reported, not thrown, so a test can name all of them.
 */
export async function bundleForBrowser(entry: BundleEntry): Promise<BrowserBundle> {
  const name = typeof entry === 'string' ? entry : `a module importing ${entry.module}`;
  try {
    const result = await build({
      ...(typeof entry === 'string'
        ? { entryPoints: [entry] }
        : { stdin: { contents: `export * from '${entry.module}';\n`, resolveDir: REPO_ROOT, loader: 'js' as const } }),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: REPO_ROOT,
      // The packages' own tsconfig.json map @vitkit/* to their sources for the IDE; an installed package has no
      // tsconfig, so the bundle resolves packages the way an app's bundler does: through package.json `exports`.
      tsconfigRaw: '{}',
    });
    return { code: result.outputFiles[0].text, inputs: Object.keys((result.metafile as Metafile).inputs), nodeImports: [] };
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors;
    if (!errors) throw e;
    const nodeImports = nodeOnlyImports(errors);
    if (nodeImports.length === errors.length) return { code: '', inputs: [], nodeImports };
    throw new Error(`esbuild could not bundle ${name}:\n${errors.map((m) => `${m.location?.file ?? ''}:${m.location?.line ?? ''} ${m.text}`).join('\n')}`);
  }
}
