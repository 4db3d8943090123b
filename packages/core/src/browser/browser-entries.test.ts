// The browser entries of the workspace's browser packages, bundled as a web app's bundler would (esbuild, platform
// `browser`, each package's `exports` `browser` condition), must reach no Node built-in: one `fs` or `worker_threads`
// import anywhere on the path breaks every browser app. The bundles are made from source (the entry the condition names,
// dist/esm/X.js, is built from src/X.ts), so this runs without a build; dependencies resolve as installed, through their
// own `browser` fields. One test for the four packages because they bundle together in an app (backbones imports the
// others), and each is bundled alone so a failure names the package.
import { builtinModules } from 'module';
import * as path from 'path';
import * as esbuild from 'esbuild';

const PACKAGES_DIR = path.resolve(__dirname, '../../..');
const BROWSER_PACKAGES = ['core', 'tokenizers', 'backbones', 'fusion', 'explain'];
const NODE_BUILTIN = new RegExp(`^(node:)?(${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})(\\/.*)?$`);

interface PackageExports {
  exports: Record<string, string | Record<string, string>>;
}

/** The source file behind a workspace package's `browser` export condition (its dist/esm/X.js is built from src/X.ts). */
function browserSource(pkg: string): string {
  const dir = path.join(PACKAGES_DIR, pkg);
  const manifest = require(path.join(dir, 'package.json')) as PackageExports;
  const root = manifest.exports['.'];
  const target = typeof root === 'object' ? root.browser : undefined;
  if (!target) throw new Error(`packages/${pkg}/package.json: exports["."] has no "browser" condition`);
  const match = /^\.\/dist\/esm\/(.+)\.js$/.exec(target);
  if (!match) throw new Error(`packages/${pkg}/package.json: exports["."].browser is "${target}", not ./dist/esm/<entry>.js`);
  return path.join(dir, 'src', `${match[1]}.ts`);
}

/** `@vitkit/x` → that package's browser source, so a package's imports of its siblings take their browser path too. */
const workspaceBrowserEntries: esbuild.Plugin = {
  name: 'workspace-browser-entries',
  setup(build) {
    build.onResolve({ filter: /^@vitkit\/[a-z-]+$/ }, (args) => ({ path: browserSource(args.path.slice('@vitkit/'.length)) }));
  },
};

interface BuiltinImport {
  builtin: string;
  importer: string;
}

function isBuildFailure(e: unknown): e is esbuild.BuildFailure {
  return e instanceof Error && Array.isArray((e as Partial<esbuild.BuildFailure>).errors);
}

/**
 * Every Node built-in the bundle imports (of a file, or of source text standing in for one), with its importer. esbuild
 * resolves them first: a dependency whose `browser` field maps a built-in away (tfjs does so for `util`, `crypto`, `fs`)
 * bundles fine, and only a built-in a browser would really be asked for is left unresolved, which esbuild reports.
 */
async function nodeBuiltinsImported(input: { entry: string } | { contents: string }): Promise<BuiltinImport[]> {
  try {
    await esbuild.build({
      ...('entry' in input ? { entryPoints: [input.entry] } : { stdin: { contents: input.contents, resolveDir: __dirname } }),
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
      plugins: [workspaceBrowserEntries],
    });
    return [];
  } catch (e) {
    if (!isBuildFailure(e)) throw e;
    const found: BuiltinImport[] = [];
    for (const error of e.errors) {
      const builtin = /^Could not resolve "([^"]+)"/.exec(error.text)?.[1];
      if (!builtin || !NODE_BUILTIN.test(builtin)) throw e;
      found.push({ builtin, importer: error.location?.file ?? '<unknown>' });
    }
    return found;
  }
}

describe('browser entries import no Node built-in', () => {
  it.each(BROWSER_PACKAGES)('@vitkit/%s', async (pkg) => {
    const imports = await nodeBuiltinsImported({ entry: browserSource(pkg) });
    const named = imports.map((i) => `${i.builtin} (imported by ${i.importer})`);
    expect(named).toEqual([]);
  });

  it('sees a Node built-in when one is imported', async () => {
    // The check itself, on a module that reads a file the Node way and starts a worker.
    const contents = "import { readFileSync } from 'node:fs';\nimport { Worker } from 'worker_threads';\nexport const use = [readFileSync, Worker];\n";
    const imports = await nodeBuiltinsImported({ contents });
    expect(imports.map((i) => i.builtin)).toEqual(['node:fs', 'worker_threads']);
  });
});
