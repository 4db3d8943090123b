#!/usr/bin/env node
// Builds the addon from source with node-gyp when a C compiler and OpenBLAS's headers are present, offline (Node's
// own headers, never a download). On install, a prebuilt binary for this platform that loads (the platform package
// @vitkit/backend-native-<platform>-<arch>, or prebuilds/; both made by scripts/prebuild.js) makes the build
// unnecessary: the script then exits at once and silently, needing no compiler. It never fails the install: without
// the tools it prints one line saying how to get the native engine and exits 0 (vitkit then runs on wasm). Skips the
// build when the binary is newer than its sources (`--force` rebuilds). Run by the workspace build (`npm run build`),
// by this package's install script, and by hand:
//   npm run build:native -w @vitkit/backend-native
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BINARY = path.join(ROOT, 'build', 'Release', 'vitkit_native.node');
const HOW = 'apt-get install -y g++ make libopenblas-dev, then npm run build:native -w @vitkit/backend-native';
const force = process.argv.includes('--force');
// `npm rebuild @vitkit/backend-native --build-from-source` (npm hands the flag to the script as this variable, the
// convention of sharp and node-pre-gyp): compile for this CPU even where a prebuilt binary loads.
const fromSource = process.env.npm_config_build_from_source === 'true';

function skip(why) {
  process.stderr.write(`vitkit: native engine not built (${why}); vitkit will run on wasm. To get it: ${HOW}\n`);
  process.exit(0);
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function sources() {
  const dir = path.join(ROOT, 'src', 'addon');
  return [path.join(ROOT, 'binding.gyp'), ...fs.readdirSync(dir).map((f) => path.join(dir, f))];
}

function upToDate() {
  if (!fs.existsSync(BINARY)) return false;
  const built = fs.statSync(BINARY).mtimeMs;
  return sources().every((f) => fs.statSync(f).mtimeMs <= built);
}

/** Node's headers on this machine (Debian: /usr/include/node), so node-gyp never downloads them. */
function nodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  for (const dir of [prefix, '/usr', '/usr/local']) {
    if (fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) return dir;
  }
  return undefined;
}

/** node-gyp: the one bundled with npm, else Debian's. */
function nodeGyp() {
  const bundled = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(bundled)) return [process.execPath, bundled];
  if (has('node-gyp')) return ['node-gyp'];
  return undefined;
}

/**
 * Whether oneDNN can be compiled in (Debian: libdnnl-dev): its header and the library to link. Optional: without it
 * the convolutions run as im2col + OpenBLAS, 2–2.5× slower on ResNet layers (README, "Convolutions").
 */
function oneDnn() {
  const headers = ['/usr/include', '/usr/local/include'].some((d) => fs.existsSync(path.join(d, 'dnnl.h')));
  const libs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib'].some((d) => fs.existsSync(path.join(d, 'libdnnl.so')));
  return headers && libs && process.env.VITKIT_NATIVE_ONEDNN !== '0';
}

function openblasHeader() {
  const dirs = ['/usr/include', '/usr/local/include', '/usr/include/x86_64-linux-gnu', '/usr/include/aarch64-linux-gnu', '/usr/include/openblas'];
  return dirs.some((d) => fs.existsSync(path.join(d, 'cblas.h')));
}

/**
 * The prebuilt binaries for this platform, in the loader's order (src/addon.ts): the one of the platform package npm
 * installed as an optional dependency (@vitkit/backend-native-<platform>-<arch>), then the package's own prebuilds/.
 */
function prebuiltBinaries() {
  const binaries = [];
  try {
    binaries.push(require.resolve(`@vitkit/backend-native-${process.platform}-${process.arch}/vitkit_native.node`, { paths: [ROOT] }));
  } catch {
    // not installed: npm skips the optional dependency where its os/cpu/libc do not fit, or it was never published
  }
  const bundled = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`, 'vitkit_native.node');
  if (fs.existsSync(bundled)) binaries.push(bundled);
  return binaries;
}

/** Whether a prebuilt binary for this platform loads here (in a child: a bad one may crash the process). */
function prebuiltLoads() {
  return prebuiltBinaries().some((file) => spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { stdio: 'ignore' }).status === 0);
}

if (process.env.VITKIT_SKIP_NATIVE_BUILD) skip('VITKIT_SKIP_NATIVE_BUILD is set');
// `npm install` of the package (not the workspace build, which always builds this machine's own binary)
if (!force && !fromSource && process.env.npm_lifecycle_event === 'install' && prebuiltLoads()) process.exit(0);
if (!force && upToDate()) process.exit(0);
if (process.platform === 'win32') skip('building on Windows is not supported yet');
if (!has('cc') && !has('gcc')) skip('no C compiler');
if (!has('make')) skip('no make');
if (!openblasHeader()) skip('OpenBLAS headers (cblas.h) not found');
const gyp = nodeGyp();
if (!gyp) skip('node-gyp not found');
const dir = nodeDir();
if (!dir) skip("Node's headers (include/node/node_api.h) not found");
const [cmd, ...args] = gyp;
const run = spawnSync(cmd, [...args, 'rebuild', `--nodedir=${dir}`, '--loglevel=error', `--vitkit_onednn=${oneDnn() ? 1 : 0}`], { cwd: ROOT, encoding: 'utf8' });
if (run.status !== 0) {
  const log = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n');
  const firstError = log.find((l) => /error/i.test(l)) ?? log[log.length - 1] ?? String(run.error ?? 'unknown');
  skip(`compiling failed: ${firstError.trim()}`);
}
