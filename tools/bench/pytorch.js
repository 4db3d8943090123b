'use strict';
// The PyTorch side of `npm run bench -- --vs-pytorch`: Debian's python3-torch with OpenBLAS (OpenMP build).
//
// Debian's torch is built with BLAS_INFO=generic and links libblas.so.3, which is netlib's reference BLAS unless an
// optimised one is installed: then PyTorch runs ~25x slower than it should. libopenblas0-openmp switches the
// alternative (and its OpenMP threading cooperates with torch's; the pthread build oversubscribes 2 threads).
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

/** Debian's interpreter, not a pyenv/venv python3 that happens to be first on PATH. */
const PYTHON = '/usr/bin/python3';
const PACKAGES = ['python3-torch', 'libopenblas0-openmp'];
const OPENBLAS_OPENMP_DIR = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
const BENCH_PY = path.join(__dirname, 'torch', 'bench_torch.py');

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && /install ok installed/.test(r.stdout);
}

function torchImports() {
  if (!fs.existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args, log) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

/**
 * Makes sure python3-torch and libopenblas0-openmp are installed, installing them with apt-get (as root) when
 * missing. Returns a short description of what was done. Throws with the command to run when it cannot install.
 */
function ensurePytorch(log = (m) => process.stderr.write(`bench: ${m}\n`)) {
  const missing = PACKAGES.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0 && torchImports()) return 'python3-torch and libopenblas0-openmp already installed';
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${PACKAGES.join(' ')}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`--vs-pytorch needs ${missing.join(', ') || 'a working python3-torch'}; install them as root: ${cmd}`);
  }
  log(`installing ${missing.join(', ') || PACKAGES.join(', ')} with apt-get (PyTorch reference for --vs-pytorch)`);
  run('apt-get', ['update'], log);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], log);
  if (!torchImports()) throw new Error(`${PYTHON} still cannot import torch after installing ${PACKAGES.join(', ')}`);
  return `installed ${PACKAGES.join(', ')} with apt-get`;
}

/** Environment for the python child: OpenMP threads = torch threads; the OpenBLAS-openmp library first. */
function pythonEnv(threads) {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), PYTHONDONTWRITEBYTECODE: '1' };
  if (fs.existsSync(OPENBLAS_OPENMP_DIR)) {
    env.LD_LIBRARY_PATH = [OPENBLAS_OPENMP_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  // A pyenv/venv on PATH must not leak its site-packages into Debian's interpreter.
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  return env;
}

/** Model names that have a PyTorch version in tools/bench/torch/models.py. */
function pytorchModels() {
  const r = spawnSync(PYTHON, [BENCH_PY, '--model', '-', '--batch', '1', '--list'], { encoding: 'utf8', env: pythonEnv(1) });
  if (r.status !== 0) throw new Error(`listing PyTorch models failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function benchCommand({ model, batch, steps, warmup, threads }) {
  return {
    cmd: PYTHON,
    args: [BENCH_PY, '--model', model, '--batch', String(batch), '--steps', String(steps), '--warmup', String(warmup), '--threads', String(threads)],
    env: pythonEnv(threads),
  };
}

module.exports = { ensurePytorch, pytorchModels, benchCommand, PYTHON };
