#!/usr/bin/env node
// Builds the prebuilt binary a release ships for this platform, the way prebuildify-style native packages do:
// prebuilds/<platform>-<arch>/vitkit_native.node, compiled for a baseline CPU (x86-64-v2 / armv8-a; OpenBLAS picks its
// kernels for the actual CPU at run time) with OpenBLAS linked in statically, so users need neither a compiler nor
// OpenBLAS. Beside it, prebuild.json says what it was built from. The build runs in a temporary copy of the sources,
// so the from-source build in build/ is left as it is.
//   npm run prebuild -w @vitkit/backend-native          (needs g++, make and libopenblas-dev: libopenblas.a)
// Options: --out <dir> (default: the package's prebuilds/), --openblas <libopenblas.a>.
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

const { values } = parseArgs({ options: { out: { type: 'string' }, openblas: { type: 'string' } } });
const outDir = path.resolve(values.out ?? path.join(ROOT, 'prebuilds'), `${process.platform}-${process.arch}`);
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
  fs.mkdirSync(outDir, { recursive: true });
  const binary = path.join(outDir, 'vitkit_native.node');
  fs.copyFileSync(path.join(work, 'build', 'Release', 'vitkit_native.node'), binary);
  const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'unknown';
  const meta = { platform: process.platform, arch: process.arch, napiVersion: 8, openblas: openblasVersion(openblas), openblasLinkage: 'static', compiler: cc, cpuBaseline: process.arch === 'x64' ? 'x86-64-v2' : 'armv8-a', builtWith: `node ${process.version}` };
  fs.writeFileSync(path.join(outDir, 'prebuild.json'), JSON.stringify(meta, null, 2) + '\n');
  process.stdout.write(`prebuild: ${path.relative(process.cwd(), binary)} (${(fs.statSync(binary).size / 1e6).toFixed(1)} MB, OpenBLAS ${meta.openblas} static, ${meta.cpuBaseline})\n`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
