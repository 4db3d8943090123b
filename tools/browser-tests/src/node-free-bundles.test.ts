// What a browser app gets from each package's browser entry: bundled by esbuild for the browser, it must reach no
// Node built-in (fs, path, module, worker_threads, child_process, ...) and must be built from the ES modules of
// dist/esm, not from the CommonJS build (which is Node's).
import { bundleForBrowser } from './harness/bundle';

const BROWSER_PACKAGES = ['core', 'tokenizers', 'backbones', 'fusion', 'trainer', 'explain'];

describe.each(BROWSER_PACKAGES)('@vitkit/%s bundled for a browser', (pkg) => {
  let bundle: Awaited<ReturnType<typeof bundleForBrowser>>;
  beforeAll(async () => {
    bundle = await bundleForBrowser({ module: `@vitkit/${pkg}` });
  });

  it('imports no Node built-in', () => {
    expect(bundle.nodeImports).toEqual([]);
    expect(bundle.code.length).toBeGreaterThan(0);
  });

  it('is made of the ES module builds of vitkit packages', () => {
    const vitkitFiles = bundle.inputs.filter((f) => f.startsWith('packages/'));
    expect(vitkitFiles.some((f) => f.startsWith(`packages/${pkg}/dist/esm/`))).toBe(true);
    expect(vitkitFiles.filter((f) => !/^packages\/[a-z-]+\/dist\/esm\//.test(f))).toEqual([]);
  });
});
