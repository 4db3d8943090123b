'use strict';
// Shared by the vitkit runners: backend set-up (wasm threads, kernel pack), the benchmark model with its training
// step (forward + softmax cross-entropy + backward + AdamW) and inference step. Uses the built packages.
const path = require('path');
const fs = require('fs');

const REPO = path.resolve(__dirname, '../..');

/** Loads a module from a built package, with a message naming the build command when it is missing. */
function requireBuilt(rel) {
  const file = path.join(REPO, rel);
  if (!fs.existsSync(file)) throw new Error(`${rel} not found: build the packages first (npm run build)`);
  return require(file);
}

/** parseArgs options common to the runners (run-vitkit.js, run-vitkit-dp.js). */
const RUNNER_OPTIONS = {
  model: { type: 'string' },
  batch: { type: 'string' },
  steps: { type: 'string', default: '5' },
  warmup: { type: 'string', default: '2' },
  kernels: { type: 'string', default: 'on' },
  lr: { type: 'string', default: '1e-3' },
  plugins: { type: 'string', default: '' },
};

/** A runner's result: one JSON line on stdout (read by bench.js). */
function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/** The timing fields of a runner's result: medians of the timed steps and the images/s they give. */
function timings({ batch, steps, warmup, losses, trainMsAll, inferMsAll }) {
  const trainMs = median(trainMsAll);
  const inferMs = median(inferMsAll);
  return {
    steps,
    warmup,
    losses,
    trainMs,
    trainMsAll,
    trainImgPerSec: batch / (trainMs / 1e3),
    inferMs,
    inferMsAll,
    inferImgPerSec: batch / (inferMs / 1e3),
  };
}

/** Resident-memory and CPU fields of a runner's result (this process, workers included). */
function processStats(rssBefore) {
  const ru = process.resourceUsage();
  return { rssBeforeMB: rssBefore / 2 ** 20, peakRssMB: ru.maxRSS / 1024, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6 };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The trainer's AdamW when @vitkit/trainer exports it; else the same update written here (torch.optim.AdamW). */
function makeAdamW(tf, params, weightDecay) {
  try {
    const trainer = require('@vitkit/trainer');
    if (typeof trainer.AdamW === 'function') {
      return { source: '@vitkit/trainer AdamW', opt: new trainer.AdamW(params, { weightDecay }) };
    }
  } catch {
    // fall through to the local optimizer
  }
  const slots = new Map(params.map((p) => [p.name, { m: tf.variable(tf.zerosLike(p.variable), false), v: tf.variable(tf.zerosLike(p.variable), false) }]));
  let t = 0;
  const opt = {
    step(grads, lr) {
      t += 1;
      const bc1 = 1 - 0.9 ** t;
      const bc2 = Math.sqrt(1 - 0.999 ** t);
      for (const p of params) {
        const g = grads.get(p.name);
        if (!g) continue;
        const { m, v } = slots.get(p.name);
        tf.tidy(() => {
          const mn = tf.add(tf.mul(m, 0.9), tf.mul(g, 0.1));
          const vn = tf.add(tf.mul(v, 0.999), tf.mul(tf.square(g), 0.001));
          m.assign(mn);
          v.assign(vn);
          const w = p.decay ? tf.mul(p.variable, 1 - lr * weightDecay) : p.variable;
          p.variable.assign(tf.sub(w, tf.mul(tf.div(mn, tf.add(tf.div(tf.sqrt(vn), bc2), 1e-8)), lr / bc1)));
        });
      }
    },
  };
  return { source: 'local AdamW (tools/bench)', opt };
}

/**
 * Starts the backend: wasm with `threads` XNNPACK threads (enableWasmThreads) and the kernel pack when asked, or
 * cpu. Returns what was set up.
 */
async function setUpBackend(core, { backend, threads, kernels }) {
  const { tf } = core;
  const info = { backend, threads: null, kernels: 'off' };
  if (backend === 'wasm') {
    info.threads = await requireBuilt('packages/wasm-kernels/dist/index.js').enableWasmThreads(threads);
  } else if (backend === 'native') {
    // OpenBLAS threads inside this one process (no replicas)
    info.threads = (await core.selectBackend('native', { quiet: true, threads })).threads;
    info.kernels = 'native';
  } else {
    if (threads !== 1) throw new Error(`--threads ${threads} needs the wasm or native backend`);
    await core.selectBackend(backend, { quiet: true });
    info.threads = 1;
  }
  if (kernels === 'on' && backend === 'wasm') {
    // The kernel pack is its own package (@vitkit/wasm-kernels). The benchmark is an application and measures the
    // fast configuration, so it opts in to the pack's V8 settings (relaxed-SIMD FMA, optimising tier), as the CLI does.
    const pack = requireBuilt('packages/wasm-kernels/dist/index.js');
    pack.registerWasmKernels({ fastEngine: true });
    info.kernels = 'on';
  }
  info.activeBackend = tf.getBackend();
  return info;
}

function wasmHeapMB(tf) {
  try {
    const b = tf.backend();
    return b.wasm ? b.wasm.HEAPU8.buffer.byteLength / 2 ** 20 : null;
  } catch {
    return null;
  }
}

/**
 * Builds a registered preset (or the model of a training spec file, `*.json`) and the tensors for one benchmark
 * batch. Returns null when the preset is not registered. `seed` picks the random images (data-parallel workers use different ones); `plugins` are extra
 * plugin modules (package names or paths) loaded after the CLI's default plugins (those that are installed).
 */
function createBench(core, name, { batch, lr = 1e-3, seed = 1, plugins = [] }) {
  const { tf } = core;
  // The trainer's run set-up (the registry every training process builds from, the seeded model), so the benchmark
  // measures the model a training run of the same spec trains.
  const { runRegistry, buildSeededModel } = require('@vitkit/trainer');
  const registry = runRegistry({ packages: requireBuilt('packages/cli/dist/default-plugins.js').DEFAULT_PLUGINS, specPlugins: plugins, dir: process.cwd() });
  // A name ending in .json is a training spec: its `model` is benchmarked (e.g. examples/specs/mnist-t2t.json).
  const spec = name.endsWith('.json') ? JSON.parse(fs.readFileSync(path.resolve(name), 'utf8')).model : name;
  if (typeof spec === 'string' && !registry.preset(spec)) return null;
  const model = buildSeededModel(registry, spec, 0);
  const [h, w] = model.config.inputSize;
  const c = model.config.inChans;
  const k = model.config.numClasses;
  const params = model
    .namedParameters()
    .filter(([, p]) => p.trainable)
    .map(([n, p]) => ({ name: n, variable: p.variable, decay: p.decay }));
  const byVar = new Map(params.map((p) => [p.variable.name, p.name]));
  const { opt, source: optimizer } = makeAdamW(tf, params, 0.05);
  const x = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', seed);
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 7 + seed) % k), 'int32');
  const y = tf.oneHot(labels, k).toFloat();
  labels.dispose();

  /** Forward + loss + backward; returns the loss tensor and gradients by parameter name (caller disposes). */
  function gradients() {
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.forward(x);
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1)));
    }, params.map((p) => p.variable));
    return { value, grads: new Map(Object.entries(grads).map(([vn, g]) => [byVar.get(vn), g])) };
  }

  function applyGradients(gmap) {
    opt.step(gmap, lr);
  }

  async function trainStep() {
    const { value, grads } = gradients();
    applyGradients(grads);
    for (const g of grads.values()) g.dispose();
    const loss = (await value.data())[0];
    value.dispose();
    if (!Number.isFinite(loss)) throw new Error(`non-finite loss ${loss}`);
    return loss;
  }

  async function inferStep() {
    const logits = tf.tidy(() => model.forward(x));
    await logits.data();
    logits.dispose();
  }

  function dispose() {
    tf.dispose([x, y]);
    model.dispose();
  }

  return { model, params, optimizer, imageSize: h, gradients, applyGradients, trainStep, inferStep, dispose };
}

/**
 * Re-registers every kernel of `backendName` so that each call runs as `around(kernelName, args, run)`, where `run()`
 * calls the kernel: the bench's profilers time (profile-kernels.js) or attribute memory (memory-profile.js) per kernel.
 */
function aroundEachKernel(tf, backendName, around) {
  for (const k of tf.getKernelsForBackend(backendName)) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({ ...k, kernelFunc: (args) => around(k.kernelName, args, () => inner(args)) });
  }
}

module.exports = { aroundEachKernel, RUNNER_OPTIONS, out, timings, processStats, REPO, requireBuilt, median, makeAdamW, setUpBackend, wasmHeapMB, createBench };
