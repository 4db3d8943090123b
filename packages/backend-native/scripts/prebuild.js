#!/usr/bin/env node
// Builds the prebuilt binary a release ships for this platform, the way sharp and esbuild do: compiled for a baseline
// CPU (x86-64-v2 / armv8-a; OpenBLAS picks its kernels for the actual CPU at run time) with OpenBLAS linked in
// statically, so users need neither a compiler nor OpenBLAS. Beside it, prebuild.json says what it was built from.
// Outputs (either or both; neither given: --out prebuilds):
//   --out <dir>       <dir>/<platform>-<arch>/vitkit_native.node + prebuild.json (the package's own prebuilds/ layout)
//   --package <dir>   <dir>/backend-native-<platform>-<arch>/: the publishable platform package
//                     @vitkit/backend-native-<platform>-<arch> ("os"/"cpu"/"libc" set, so npm installs it only where
//                     the binary runs), which a release lists in @vitkit/backend-native's optionalDependencies
//   --openblas <file> the static OpenBLAS (default: Debian's libopenblas.a)
// The build runs in a temporary copy of the sources, so the from-source build in build/ is left as it is.
//   npm run prebuild:release -w @vitkit/backend-native      (needs g++, make and libopenblas-dev: libopenblas.a)
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');

const ROOT = path.resolve(__dirname, '..');
const STATIC_OPENBLAS = ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a', '/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.a', '/usr/lib/libopenblas.a', '/usr/local/lib/libopenblas.a'];

function fail(message) {
  process.stderr.write(`prebuild: ${message}\n`);
  process.exit(1);
}

function nodeGyp() {
  const bundled = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(bundled)) return [process.execPath, bundled];
  if (spawnSync('sh', ['-c', 'command -v node-gyp'], { stdio: 'ignore' }).status === 0) return ['node-gyp'];
  return undefined;
}

function nodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return [prefix, '/usr', '/usr/local'].find((d) => fs.existsSync(path.join(d, 'include', 'node', 'node_api.h')));
}

function openblasVersion(lib) {
  const m = /r(\d+\.\d+\.\d+)/.exec(fs.realpathSync(lib));
  return m ? m[1] : 'unknown';
}

/** The C library a Linux binary is linked against, for the platform package's "libc" field (npm ≥ 10.4 reads it). */
function libc() {
  if (process.platform !== 'linux') return undefined;
  return process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** package.json of the platform package: this package's version and metadata, installable only where it runs. */
function platformManifest(main) {
  const c = libc();
  return {
    name: `${main.name}-${process.platform}-${process.arch}`,
    version: main.version,
    description: `The prebuilt addon of ${main.name} for ${process.platform}-${process.arch} (baseline CPU, OpenBLAS linked in statically); installed by ${main.name} as an optional dependency`,
    keywords: main.keywords,
    homepage: main.homepage,
    bugs: main.bugs,
    repository: main.repository,
    license: main.license,
    os: [process.platform],
    cpu: [process.arch],
    ...(c ? { libc: [c] } : {}),
    files: ['vitkit_native.node', 'prebuild.json', 'LICENSE', 'README.md'],
    exports: { './vitkit_native.node': './vitkit_native.node', './prebuild.json': './prebuild.json', './package.json': './package.json' },
    preferUnplugged: true,
    publishConfig: main.publishConfig,
  };
}

function writePlatformPackage(dir, binary, meta) {
  const main = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const manifest = platformManifest(main);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  fs.copyFileSync(binary, path.join(dir, 'vitkit_native.node'));
  fs.writeFileSync(path.join(dir, 'prebuild.json'), JSON.stringify(meta, null, 2) + '\n');
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(dir, 'LICENSE'));
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    `# ${manifest.name}\n\nThe prebuilt native engine of [${main.name}](${main.homepage}) for ${process.platform}-${process.arch}: ` +
      `compiled for ${meta.cpuBaseline} with OpenBLAS ${meta.openblas} linked in statically (N-API ${meta.napiVersion}: any Node >= 20).\n` +
      `Do not install it directly: \`npm install ${main.name}\` installs it where it fits this machine.\n`,
  );
  return manifest.name;
}

const { values } = parseArgs({ options: { out: { type: 'string' }, package: { type: 'string' }, openblas: { type: 'string' } } });
const PLATFORM = `${process.platform}-${process.arch}`;
const outDir = values.out || !values.package ? path.resolve(values.out ?? path.join(ROOT, 'prebuilds'), PLATFORM) : undefined;
const packageDir = values.package ? path.resolve(values.package, `backend-native-${PLATFORM}`) : undefined;
const openblas = values.openblas ?? STATIC_OPENBLAS.find((f) => fs.existsSync(f));
if (!openblas || !fs.existsSync(openblas)) fail(`no static OpenBLAS (libopenblas.a) found; install libopenblas-dev or pass --openblas <file>`);
const gyp = nodeGyp();
if (!gyp) fail('node-gyp not found');
const dir = nodeDir();
if (!dir) fail("Node's headers (include/node/node_api.h) not found");

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-prebuild-'));
try {
  fs.copyFileSync(path.join(ROOT, 'binding.gyp'), path.join(work, 'binding.gyp'));
  fs.cpSync(path.join(ROOT, 'src', 'addon'), path.join(work, 'src', 'addon'), { recursive: true });
  const [cmd, ...args] = gyp;
  const run = spawnSync(cmd, [...args, 'rebuild', `--nodedir=${dir}`, '--loglevel=error', '--vitkit_prebuild=1', `--vitkit_openblas_static=${openblas}`], { cwd: work, encoding: 'utf8' });
  if (run.status !== 0) fail(`compiling failed:\n${run.stdout ?? ''}${run.stderr ?? ''}`);
  const built = path.join(work, 'build', 'Release', 'vitkit_native.node');
  const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'unknown';
  const meta = { platform: process.platform, arch: process.arch, napiVersion: 8, openblas: openblasVersion(openblas), openblasLinkage: 'static', compiler: cc, cpuBaseline: process.arch === 'x64' ? 'x86-64-v2' : 'armv8-a', builtWith: `node ${process.version}` };
  const size = `${(fs.statSync(built).size / 1e6).toFixed(1)} MB, OpenBLAS ${meta.openblas} static, ${meta.cpuBaseline}`;
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.copyFileSync(built, path.join(outDir, 'vitkit_native.node'));
    fs.writeFileSync(path.join(outDir, 'prebuild.json'), JSON.stringify(meta, null, 2) + '\n');
    process.stdout.write(`prebuild: ${path.relative(process.cwd(), path.join(outDir, 'vitkit_native.node'))} (${size})\n`);
  }
  if (packageDir) {
    const name = writePlatformPackage(packageDir, built, meta);
    process.stdout.write(`prebuild: ${name} in ${path.relative(process.cwd(), packageDir)} (${size})\n`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
