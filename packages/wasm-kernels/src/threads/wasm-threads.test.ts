import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from '@vitkit/core';
import { disableWasmThreads, enableWasmThreads, wasmThreadsCount, wasmThreadsEnabled } from './wasm-threads';

const wasmPkg = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number };

const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Plain-JS reference product in float64. */
function refMatMul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const av = a[i * k + p];
    for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j];
  }
  return c;
}

const M = 192, K = 160, N = 224;
const A = values(M * K, 1), B = values(K * N, 2);

function product(): Float32Array {
  return tf.tidy(() => tf.matMul(tf.tensor2d(A, [M, K]), tf.tensor2d(B, [K, N]))).dataSync() as Float32Array;
}

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

/**
 * Compiles wasm-threads.ts to plain JS in a temp dir, for child processes; there `@vitkit/core` stands for the one
 * thing the module takes from it, tfjs (so the child needs no build of core).
 */
function compileForChild(): string {
  const ts = require('typescript') as typeof import('typescript');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-wasm-threads-test-'));
  const src = fs.readFileSync(path.join(__dirname, 'wasm-threads.ts'), 'utf8');
  const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  fs.writeFileSync(path.join(dir, 'wasm-threads.js'), out.outputText.replace(/require\("@vitkit\/core"\)/g, 'require("./tf.js")'));
  fs.writeFileSync(path.join(dir, 'tf.js'), "exports.tf = require('@tensorflow/tfjs');\n");
  return dir;
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** still running `aliveCheckMs` after printing "done" (then killed) */
  stillAlive: boolean;
}

function runChild(dir: string, unref: boolean, aliveCheckMs: number, timeoutMs: number): Promise<ChildResult> {
  const script = `
    const { enableWasmThreads } = require(${JSON.stringify(path.join(dir, 'wasm-threads.js'))});
    const { tf } = require(${JSON.stringify(path.join(dir, 'tf.js'))});
    enableWasmThreads(2, { unrefWorkers: ${unref} }).then((n) => {
      const c = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
      console.log('threads=' + n + ' sum=' + c.sum().dataSync()[0]);
      console.log('done');
    }).catch((e) => { console.error(e); process.exitCode = 3; });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    let stillAlive = false;
    let aliveTimer: NodeJS.Timeout | undefined;
    const hardTimer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!aliveTimer && stdout.includes('done')) {
        aliveTimer = setTimeout(() => {
          stillAlive = child.exitCode === null && child.signalCode === null;
          if (stillAlive) child.kill('SIGKILL');
        }, aliveCheckMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(hardTimer);
      if (aliveTimer) clearTimeout(aliveTimer);
      resolve({ code, stdout, stderr, stillAlive });
    });
  });
}

describe('enableWasmThreads (multi-threaded tfjs-wasm in Node)', () => {
  const reference = refMatMul(A, B, M, K, N);
  let singleThread: Float32Array;

  beforeAll(async () => {
    expect(await enableWasmThreads(1)).toBe(1);
    singleThread = product();
  });

  afterAll(() => disableWasmThreads());

  it('rejects a thread count that is not a positive integer', async () => {
    await expect(enableWasmThreads(0)).rejects.toThrow(/threads must be an integer >= 1, got 0/);
    await expect(enableWasmThreads(1.5)).rejects.toThrow(/threads must be an integer >= 1/);
  });

  it('starts the threaded build with 2 threads; a matMul matches the single-thread result', async () => {
    expect(await enableWasmThreads(2)).toBe(2);
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmPkg.getThreadsCount()).toBe(2);
    expect(wasmThreadsCount()).toBe(2);
    expect(wasmThreadsEnabled()).toBe(true);
    const threaded = product();
    expect(maxAbsDiff(threaded, singleThread)).toBeLessThan(1e-4);
    expect(maxAbsDiff(threaded, reference)).toBeLessThan(1e-3);
    // Patches are undone after start-up.
    expect(os.cpus().length).toBe(require('os').cpus().length);
    expect(typeof URL.createObjectURL(new Blob(['x']))).toBe('string');
  });

  it('gradients flow on the threaded backend (matMul + softmax)', async () => {
    await enableWasmThreads(2);
    const x = tf.tensor2d(values(8 * 16, 3), [8, 16]);
    const w = tf.tensor2d(values(16 * 4, 4), [16, 4]);
    const g = tf.grad((ww: tf.Tensor) => tf.softmax(tf.matMul(x, ww)).square().sum())(w);
    const threadedGrad = g.dataSync().slice();
    tf.dispose([x, w, g]);
    disableWasmThreads();
    await enableWasmThreads(1);
    const x1 = tf.tensor2d(values(8 * 16, 3), [8, 16]);
    const w1 = tf.tensor2d(values(16 * 4, 4), [16, 4]);
    const g1 = tf.grad((ww: tf.Tensor) => tf.softmax(tf.matMul(x1, ww)).square().sum())(w1);
    expect(maxAbsDiff(threadedGrad, g1.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x1, w1, g1]);
  });

  it('disableWasmThreads returns to the single-threaded backend', async () => {
    await enableWasmThreads(2);
    disableWasmThreads();
    expect(wasmThreadsCount()).toBe(0);
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(wasmPkg.getThreadsCount()).toBe(1);
    expect(wasmThreadsEnabled()).toBe(false);
    expect(maxAbsDiff(product(), singleThread)).toBe(0);
  });

  it('a node process using 2 threads exits on its own; without unref it would not', async () => {
    const dir = compileForChild();
    try {
      const [clean, pinned] = await Promise.all([runChild(dir, true, 8000, 60000), runChild(dir, false, 3000, 60000)]);
      expect(clean.stderr).toBe('');
      expect(clean.stdout).toContain('threads=2 sum=262144');
      expect(clean.stillAlive).toBe(false);
      expect(clean.code).toBe(0);
      // Control: the same script with the workers left referenced keeps Node alive (the reason for unref).
      expect(pinned.stdout).toContain('threads=2 sum=262144');
      expect(pinned.stillAlive).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90000);
});
