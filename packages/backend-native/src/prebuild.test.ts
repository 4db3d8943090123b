import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const PLATFORM = `${process.platform}-${process.arch}`;

/** Whether this machine can make a prebuild: a compiler and the static OpenBLAS (CI installs both). */
function canPrebuild(): boolean {
  const cc = spawnSync('sh', ['-c', 'command -v cc && command -v make'], { stdio: 'ignore' }).status === 0;
  return cc && fs.existsSync('/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a');
}
/**
 * Where the tools are present (and always in CI, VITKIT_REQUIRE_NATIVE=1) the prebuild must work; elsewhere the
 * script must refuse saying what is missing (nothing is skipped).
 */
function describePrebuild(name: string, suite: () => void): void {
  if (canPrebuild() || process.env.VITKIT_REQUIRE_NATIVE === '1') {
    describe(name, suite);
    return;
  }
  describe(`${name}: no compiler or static OpenBLAS here`, () => {
    it('the script exits 1 naming what is missing', () => {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js'), '--out', os.tmpdir()], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^prebuild: /);
    });
  });
}

describe('scripts/prebuild.js with a missing static OpenBLAS', () => {
  it('exits 1 saying which file it needs', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js'), '--openblas', '/nonexistent/libopenblas.a'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no static OpenBLAS \(libopenblas\.a\) found/);
  });
});

/**
 * The environment for an npm run inside the test: without the npm_* variables of the `npm test` that runs jest
 * (npm_config_local_prefix and the like would point the child's install at this repository).
 */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

/**
 * An exact-enough GELU in double precision for the child process: x·Φ(x), Φ from erf's Taylor series (|x| ≤ 4: the
 * cancellation costs ~4 of double's 16 digits).
 */
const REFERENCE_GELU = `(x) => {
  const z = x / Math.SQRT2;
  let term = z, sum = z;
  for (let n = 1; n < 80; n++) { term *= (-z * z) / n; sum += term / (2 * n + 1); }
  return x * 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * sum);
}`;

/**
 * A project after `npm install @vitkit/backend-native` from a release: node_modules/@vitkit/backend-native (dist/,
 * scripts/, package.json; no build/ and no prebuilds/, so no other binary to fall back on) and, beside it, the
 * platform package npm installed as an optional dependency.
 */
function installedProject(platformPackage: string): { project: string; main: string } {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-native-installed-'));
  const main = path.join(project, 'node_modules', '@vitkit', 'backend-native');
  for (const part of ['dist', 'scripts', 'package.json']) fs.cpSync(path.join(ROOT, part), path.join(main, part), { recursive: true });
  fs.cpSync(platformPackage, path.join(project, 'node_modules', '@vitkit', `backend-native-${PLATFORM}`), { recursive: true });
  return { project, main };
}

/** Loads the addon of the installed copy in a child process; which file, and a GEMM and a GELU computed with it. */
function loadInChild(main: string): { file?: string; error?: string; gemm?: number[]; geluError?: number } {
  const script = `
    const { loadAddon } = require(${JSON.stringify(path.join(main, 'dist', 'addon.js'))});
    const r = loadAddon();
    if (!r.ok) { console.log(JSON.stringify({ error: r.reason })); process.exit(0); }
    // [2,3]·[3,2] at offsets 0, beta 0
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]), b = Float32Array.from([7, 8, 9, 10, 11, 12]), c = new Float32Array(4);
    const z = Float64Array.from([0]);
    r.addon.gemmBatched(false, false, 2, 2, 3, 1, a, z, 3, b, z, 2, 0, c, z, 2);
    // GELU runs in a loop the prebuilt binary picks per CPU at load (cpu-dispatch.h)
    const x = Float32Array.from({ length: 4099 }, (_, i) => -4 + (8 * i) / 4098), y = new Float32Array(x.length);
    r.addon.gelu(x, y);
    const reference = ${REFERENCE_GELU};
    const geluError = Math.max(...Array.from(x, (v, i) => Math.abs(y[i] - reference(v))));
    console.log(JSON.stringify({ file: r.file, gemm: Array.from(c), geluError }));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: '' } });
  if (r.status !== 0) throw new Error(`the child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}

/** The install script of the installed copy as npm runs it, with no compiler, make or sh on the PATH. */
function installWithoutCompiler(main: string): { status: number | null; stderr: string } {
  return spawnSync(process.execPath, [path.join(main, 'scripts', 'build-addon.js')], {
    cwd: main,
    env: { PATH: '/nonexistent', npm_lifecycle_event: 'install' },
    encoding: 'utf8',
  });
}

describePrebuild('scripts/prebuild.js: the binary a release ships for this platform', () => {
  let out: string;
  let installed: { project: string; main: string };
  const platformPackage = (): string => path.join(out, 'npm', `backend-native-${PLATFORM}`);

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-prebuilds-'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js'), '--out', path.join(out, 'prebuilds'), '--package', path.join(out, 'npm')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`prebuild failed: ${r.stderr}`);
    installed = installedProject(platformPackage());
  }, 300_000);

  afterAll(() => {
    for (const d of [out, installed?.project]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('needs nothing but the C library at run time: OpenBLAS is linked in, and its symbols stay private', () => {
    const binary = path.join(platformPackage(), 'vitkit_native.node');
    const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' }).stdout;
    expect(ldd).toMatch(/libc\.so/);
    expect(ldd).not.toMatch(/openblas|gfortran|libblas/);
    const exported = spawnSync('nm', ['-D', '--defined-only', binary], { encoding: 'utf8' }).stdout;
    expect(exported).toMatch(/napi_register_module_v1/);
    expect(exported).not.toMatch(/ (cblas_\w+|sgemm_|openblas_\w+)$/m); // OpenBLAS's C and Fortran entry points
    const meta = JSON.parse(fs.readFileSync(path.join(platformPackage(), 'prebuild.json'), 'utf8'));
    expect(meta).toMatchObject({ platform: process.platform, arch: process.arch, napiVersion: 8, openblasLinkage: 'static', openblas: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    // the same binary in both layouts (Buffer.equals: jest's deep equality walks 25 MB key by key)
    expect(fs.readFileSync(path.join(out, 'prebuilds', PLATFORM, 'vitkit_native.node')).equals(fs.readFileSync(binary))).toBe(true);
  });

  it('makes a platform package that npm installs only where it runs and that publishes the binary alone', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(platformPackage(), 'package.json'), 'utf8'));
    const main = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: `@vitkit/backend-native-${PLATFORM}`, version: main.version, os: [process.platform], cpu: [process.arch], license: main.license });
    if (process.platform === 'linux') expect(manifest.libc).toEqual(['glibc']);
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], { cwd: platformPackage(), encoding: 'utf8', env: npmEnv() });
    expect(pack.status).toBe(0);
    const files = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path).sort();
    expect(files).toEqual(['LICENSE', 'README.md', 'package.json', 'prebuild.json', 'vitkit_native.node']);
  });

  it('loads from the platform package where the package has no build/ and no prebuilds/, and computes correctly', () => {
    const result = loadInChild(installed.main);
    expect(result.error).toBeUndefined();
    expect(result.file).toBe(path.join(installed.project, 'node_modules', '@vitkit', `backend-native-${PLATFORM}`, 'vitkit_native.node'));
    expect(result.gemm).toEqual([58, 64, 139, 154]);
    expect(result.geluError).toBeLessThan(1e-5);
  });

  it('the install script, with the platform package, exits at once and silently, needing no compiler', () => {
    const r = installWithoutCompiler(installed.main);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(fs.existsSync(path.join(installed.main, 'build'))).toBe(false);
  });

  it('--build-from-source (npm_config_build_from_source) compiles even where the platform package loads', () => {
    const r = spawnSync(process.execPath, [path.join(installed.main, 'scripts', 'build-addon.js')], {
      cwd: installed.main,
      env: { PATH: '/nonexistent', npm_lifecycle_event: 'install', npm_config_build_from_source: 'true' },
      encoding: 'utf8',
    });
    // it went for the compiler, and without one says so in its one line
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^vitkit: native engine not built \(no C compiler\)/);
  });

  it("without the platform package, the package's own prebuilds/ serve the same way", () => {
    fs.rmSync(path.join(installed.project, 'node_modules', '@vitkit', `backend-native-${PLATFORM}`), { recursive: true, force: true });
    fs.cpSync(path.join(out, 'prebuilds'), path.join(installed.main, 'prebuilds'), { recursive: true });
    const result = loadInChild(installed.main);
    expect(result.file).toBe(path.join(installed.main, 'prebuilds', PLATFORM, 'vitkit_native.node'));
    expect(result.gemm).toEqual([58, 64, 139, 154]);
    const r = installWithoutCompiler(installed.main);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('npm installs a release (both tarballs, optionalDependencies pinned) with the silent install script and no build', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-native-release-'));
    try {
      // the main package as a release job publishes it: optionalDependencies set, no build/ or prebuilds/
      const main = path.join(work, 'main');
      fs.cpSync(ROOT, main, { recursive: true, filter: (f) => !/[\\/](build|prebuilds|node_modules)$/.test(f) });
      const npm = (args: string[], cwd: string): string => {
        const r = spawnSync('npm', [...args, '--loglevel=error', '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', env: npmEnv() });
        if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed: ${r.stderr}`);
        return r.stdout;
      };
      const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
      npm(['pkg', 'set', `optionalDependencies.@vitkit/backend-native-${PLATFORM}=${version}`], main);
      npm(['pack', '--ignore-scripts', '--pack-destination', work], main);
      npm(['pack', '--pack-destination', work], platformPackage());
      const app = path.join(work, 'app');
      fs.mkdirSync(app);
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
      // offline, peers left out (tfjs is not needed to load the addon): only the two tarballs
      const log = npm(['install', '--offline', '--legacy-peer-deps', '--foreground-scripts', path.join(work, `vitkit-backend-native-${version}.tgz`), path.join(work, `vitkit-backend-native-${PLATFORM}-${version}.tgz`)], app);
      expect(log).toContain('node scripts/build-addon.js');
      expect(log).not.toMatch(/vitkit: native engine/);
      const installedMain = path.join(app, 'node_modules', '@vitkit', 'backend-native');
      expect(fs.existsSync(path.join(installedMain, 'build'))).toBe(false);
      expect(loadInChild(installedMain).file).toBe(path.join(app, 'node_modules', '@vitkit', `backend-native-${PLATFORM}`, 'vitkit_native.node'));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);

  it('without a prebuilt binary or a compiler, the install still succeeds and says so in one line', () => {
    fs.rmSync(path.join(installed.main, 'prebuilds'), { recursive: true, force: true });
    const r = installWithoutCompiler(installed.main);
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^vitkit: native engine not built .*To get it:/);
    const result = loadInChild(installed.main);
    expect(result.error).toMatch(/^native engine unavailable: no addon was built .*; to get it: /);
    expect(result.error).not.toContain('\n');
  });
});
