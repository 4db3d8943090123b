#!/usr/bin/env node
// `npm run bench` — a benchmark, not a test: training-step and inference speed and peak memory of named vitkit
// models on tfjs (wasm by default), optionally next to the same architectures in PyTorch (`--vs-pytorch`).
//
//   npm run bench -- [--models a,b] [--batch N] [--steps N] [--warmup N] [--threads 1,2] [--kernels on,off]
//                    [--backend auto|native|wasm|cpu (a list runs each)] [--vs-pytorch] [--onnxruntime] [--json] [--timeout S]
//
// Every measurement runs in its own process (clean heap, honest peak RSS, a hung threaded build can be killed) and
// is recorded with the machine's load average and the CPU used by other processes while it ran.
// Needs the built packages: npm run build.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { parseArgs } = require('util');
const { machineInfo, loadAvg, cpuTimes, backgroundCores } = require('./system');
const pytorch = require('./pytorch');

/** The benchmark models: the S config of the performance study, T2T-ViT (small-image preset and 224), CrossViT, VT. */
// The S and M configs of the performance study and the 224/240 px presets issue 16 measures against PyTorch.
const M_CONFIG = 'tools/bench/specs/vit_m_bench_224.json';
const DEFAULT_MODELS = ['vit_s_bench_32', M_CONFIG, 't2t_vit_7_small', 't2t_vit_7', 'crossvit_9_240', 'vt_resnet18'];
/** Default batch per model: 32 for 32 px inputs; 4 for 224/240 px (a tfjs training step keeps ~0.6 GB of tape per 224 px image and the wasm32 heap stops at 4 GiB). */
const DEFAULT_BATCH = { vit_s_bench_32: 32, t2t_vit_7_small: 32, t2t_vit_7: 4, crossvit_9_240: 4, vt_resnet18: 4 };

/** data.batchSize of a training spec given as a model (*.json). */
function specBatch(model) {
  if (!model.endsWith('.json')) return undefined;
  try {
    return JSON.parse(fs.readFileSync(model, 'utf8')).data?.batchSize;
  } catch {
    return undefined;
  }
}

const USAGE = `usage: npm run bench -- [options]
  --models a,b       registered presets, or training specs (*.json: their model; e.g. examples/specs/mnist-t2t.json) (default ${DEFAULT_MODELS.join(',')})
  --batch N          batch size for every model (default: 32 for 32 px models, 4 for 224/240 px)
  --steps N          timed steps (median reported; default 5)
  --warmup N         untimed steps first (default 2)
  --threads 1,2      engine threads (and torch threads); a list runs each (default 1,2)
  --kernels LIST     vitkit wasm kernel pack: on (with its generated FMA GEMM and SIMD GELU/LayerNorm), xnnpack
                     (the pack with XNNPACK GEMM and JS loops: VITKIT_WASM_JIT=0) or off (stock tfjs-wasm);
                     a list runs each (default on)
  --strategy LIST    how vitkit uses more than one thread: threads (the multi-threaded wasm build, XNNPACK
                     GEMM/conv in parallel) and/or data (one single-threaded wasm replica per thread, each on
                     batch/threads images, gradients averaged); default threads
  --plugins a,b      extra vitkit plugins (package names or paths) for models that are not first-party
  --backend LIST     tfjs backend: auto (default: what selectBackend() picks, native where its addon is built,
                     else wasm), native, wasm or cpu; a list (e.g. native,wasm) runs each in the same run
  --vs-pytorch       also run the same architectures in PyTorch (installs python3-torch and libopenblas0-openmp
                     with apt-get when missing) and print vitkit/PyTorch ratios; also runs the onnxruntime rows
  --onnxruntime      also time inference of each model exported to ONNX (@vitkit/onnx) in onnxruntime-node
                     (implied by --vs-pytorch; onnxruntime-node must be installed)
  --json             print all results as JSON instead of tables
  --save FILE        also write all results as JSON to FILE
  --from FILE        print the tables of a saved JSON result instead of running anything
  --rounds N         runs of each vitkit and PyTorch cell, alternating (vitkit, PyTorch, vitkit, PyTorch, …); each
                     side reports its fastest round (median step) and its largest peak RSS (default 2: one run per
                     cell, minutes from its counterpart, caught a passing slowdown of this shared machine that the
                     other side never saw; see BENCHMARKS.md)
  --timeout S        per-run time limit in seconds (default 1800)`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      threads: { type: 'string', default: '1,2' },
      kernels: { type: 'string', default: 'on' },
      strategy: { type: 'string', default: 'threads' },
      plugins: { type: 'string', default: '' },
      backend: { type: 'string', default: 'auto' },
      'vs-pytorch': { type: 'boolean', default: false },
      onnxruntime: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      save: { type: 'string' },
      from: { type: 'string' },
      timeout: { type: 'string', default: '1800' },
      rounds: { type: 'string', default: '2' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const int = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
  const threads = values.threads.split(',').map((t) => int('threads', t, 1));
  const kernels = values.kernels.split(',').map((k) => {
    if (!['on', 'xnnpack', 'off'].includes(k)) throw new Error(`--kernels takes a list of on, xnnpack and off; got "${k}"`);
    return k;
  });
  const strategies = values.strategy.split(',').map((k) => {
    if (k !== 'threads' && k !== 'data') throw new Error(`--strategy takes threads, data or threads,data; got "${k}"`);
    return k;
  });
  const backends = values.backend.split(',').map((b) => (b === 'auto' ? defaultBackend() : b));
  for (const b of backends) if (!['native', 'wasm', 'cpu'].includes(b)) throw new Error(`--backend takes a list of auto, native, wasm and cpu; got "${b}"`);
  return {
    help: values.help,
    models: values.models ? values.models.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULT_MODELS,
    batch: values.batch === undefined ? null : int('batch', values.batch, 1),
    steps: int('steps', values.steps, 1),
    warmup: int('warmup', values.warmup, 0),
    threads,
    kernels,
    strategies,
    backends,
    plugins: values.plugins.split(',').map((x) => x.trim()).filter(Boolean).map((x) => (x.startsWith('.') ? path.resolve(x) : x)),
    vsPytorch: values['vs-pytorch'],
    onnxruntime: values.onnxruntime || values['vs-pytorch'],
    json: values.json,
    save: values.save,
    from: values.from,
    timeoutS: int('timeout', values.timeout, 1),
    rounds: int('rounds', values.rounds, 1),
  };
}

/** What selectBackend() picks here among the engines the benchmark drives: native where its addon loads, else wasm. */
function defaultBackend() {
  try {
    return require(path.join(__dirname, '../../packages/backend-native/dist')).loadAddon().ok ? 'native' : 'wasm';
  } catch {
    return 'wasm';
  }
}

/** Runs a child that prints one JSON line last; adds load figures measured around it. */
function runChild(cmd, args, env, timeoutS) {
  return new Promise((resolve) => {
    const loadBefore = loadAvg();
    const cpuBefore = cpuTimes();
    const started = new Date().toISOString();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      const cpuAfter = cpuTimes();
      const loadAfter = loadAvg();
      let result;
      const last = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      try {
        result = JSON.parse(last);
      } catch {
        result = { status: 'error', message: timedOut ? `killed after ${timeoutS} s` : `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` };
      }
      if (timedOut) result = { ...result, status: 'error', message: `killed after ${timeoutS} s (a threaded wasm build hangs when its 4 GiB heap runs out)` };
      if (result.error) result = { ...result, status: 'no model', message: result.error };
      if (!result.status) result.status = 'ok';
      resolve({
        ...result,
        started,
        loadBefore,
        loadAfter,
        bgCores: backgroundCores(cpuBefore, cpuAfter, result.cpuSeconds),
      });
    });
  });
}

/**
 * One result from the rounds of a cell: each side's fastest round (its median step), training and inference chosen
 * separately, because interference on a shared machine only ever slows a run down, so the fastest round is the best
 * estimate of the engine's own speed (timeit's rule); the largest peak RSS and background load, the summed CPU time.
 * Every round's own figures are kept under `rounds`. A failed round makes the cell fail.
 */
function mergeRounds(results) {
  if (results.length === 1) return results[0];
  const failed = results.find((r) => r.status !== 'ok');
  if (failed) return { ...failed, rounds: results };
  const first = results[0];
  const fastest = (key) => results.reduce((a, r) => (r[key] < a[key] ? r : a));
  const train = fastest('trainMs');
  const infer = fastest('inferMs');
  const maxOf = (key) => (results.every((r) => typeof r[key] === 'number') ? Math.max(...results.map((r) => r[key])) : first[key]);
  return {
    ...first,
    trainMs: train.trainMs,
    trainMsAll: train.trainMsAll,
    trainImgPerSec: train.trainImgPerSec,
    inferMs: infer.inferMs,
    inferMsAll: infer.inferMsAll,
    inferImgPerSec: infer.inferImgPerSec,
    peakRssMB: maxOf('peakRssMB'),
    tfPeakTrainMB: maxOf('tfPeakTrainMB'),
    wasmHeapMB: maxOf('wasmHeapMB'),
    bgCores: maxOf('bgCores'),
    cpuSeconds: results.reduce((a, r) => a + (r.cpuSeconds ?? 0), 0),
    rounds: results.map(({ trainMs, trainMsAll, inferMs, inferMsAll, peakRssMB, started, loadBefore, bgCores }) => ({ trainMs, trainMsAll, inferMs, inferMsAll, peakRssMB, started, loadBefore, bgCores })),
  };
}

/**
 * One round of a cell (model × threads): every vitkit configuration, then PyTorch. Results go into `rounds`
 * (vitkit: one list per configuration; pytorch: one list); "not registered" and "skipped" rows straight into `vit`.
 */
/** One result in a log line: its speeds and peak RSS, or its status. */
function resultLine(r) {
  return r.status === 'ok' ? `train ${f1(r.trainImgPerSec)} img/s, infer ${f1(r.inferImgPerSec)} img/s, peak RSS ${f1(r.peakRssMB)} MB` : statusCell(r);
}

async function runRound(o, cell, rounds, vit, torch, torchModels, log) {
  const { model, batch, threads, round } = cell;
  const note = o.rounds > 1 ? ` round ${round}/${o.rounds}` : '';
  for (const [backend, kernels] of o.backends.flatMap((b) => (b === 'wasm' ? o.kernels.map((k) => [b, k]) : [[b, 'off']]))) {
    // native parallelises inside one process (OpenBLAS threads); data-parallel replicas are a wasm strategy
    for (const strategy of threads === 1 ? ['single'] : backend === 'wasm' ? o.strategies : ['threads']) {
      if (vit.some((r) => r.model === model && r.status === 'not registered')) return;
      if (strategy === 'data' && batch % threads !== 0) {
        if (round === 1) vit.push({ engine: 'vitkit', model, batch, threads, kernels, strategy, status: 'skipped', message: `batch ${batch} is not a multiple of ${threads}` });
        continue;
      }
      log(`vitkit  ${model} ${backend} batch ${batch} threads ${threads} (${strategy}) kernels ${kernels}${note} (load ${loadAvg()})`);
      const r = await vitkitRun(o, model, batch, threads, kernels, strategy, backend);
      log(`  → ${resultLine(r)}`);
      if (r.status === 'not registered') {
        vit.push(r);
        return;
      }
      const key = `${backend}/${kernels}/${strategy}`;
      rounds.vitkit.set(key, [...(rounds.vitkit.get(key) ?? []), r]);
    }
  }
  if (!o.vsPytorch) return;
  if (!torchModels.includes(model)) {
    if (round === 1) torch.push({ engine: 'pytorch', model, batch, threads, status: 'no model', message: 'no PyTorch version in tools/bench/torch/models.py' });
    return;
  }
  log(`pytorch ${model} batch ${batch} threads ${threads}${note} (load ${loadAvg()})`);
  const r = await pytorchRun(o, model, batch, threads);
  log(`  → ${resultLine(r)}`);
  rounds.pytorch.push(r);
}

function vitkitRun(o, model, batch, threads, kernels, strategy, backend) {
  // "xnnpack" is the pack with its generated kernels switched off (what the pack was before they existed).
  const env = kernels === 'xnnpack' ? { ...process.env, VITKIT_WASM_JIT: '0' } : process.env;
  const packFlag = kernels === 'xnnpack' ? 'on' : kernels;
  const common = ['--model', model, '--batch', String(batch), '--steps', String(o.steps), '--warmup', String(o.warmup), '--kernels', packFlag, '--plugins', o.plugins.join(',')];
  const args =
    strategy === 'data'
      ? [path.join(__dirname, 'run-vitkit-dp.js'), ...common, '--workers', String(threads)]
      : [path.join(__dirname, 'run-vitkit.js'), ...common, '--threads', String(threads), '--backend', backend];
  const label = threads === 1 ? 'single' : strategy;
  return runChild(process.execPath, args, env, o.timeoutS).then((r) => {
    const row = { engine: 'vitkit', model, batch, threads, kernels, backend, ...r, strategy: label };
    if (kernels === 'xnnpack' && row.kernels === 'on') row.kernels = 'xnnpack';
    return row;
  });
}

function pytorchRun(o, model, batch, threads) {
  const { cmd, args, env } = pytorch.benchCommand({ model, batch, steps: o.steps, warmup: o.warmup, threads });
  return runChild(cmd, args, env, o.timeoutS).then((r) => ({ engine: 'pytorch', model, batch, threads, ...r }));
}

function onnxruntimeRun(o, model, batch, threads) {
  const args = [path.join(__dirname, 'run-onnxruntime.js'), '--model', model, '--batch', String(batch), '--steps', String(o.steps), '--warmup', String(o.warmup), '--threads', String(threads), '--plugins', o.plugins.join(',')];
  return runChild(process.execPath, args, process.env, o.timeoutS).then((r) => ({ engine: 'onnxruntime', model, batch, threads, ...r }));
}

// ---- output ------------------------------------------------------------------------------------------------------

const f1 = (x) => (x == null || !Number.isFinite(x) ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fr = (x) => (x == null || !Number.isFinite(x) ? '–' : `${x.toFixed(3)}×`);
const load1 = (r) => (r.loadBefore ? r.loadBefore.split(' ')[0] : '–');
const bg = (r) => (r.bgCores == null ? '–' : r.bgCores.toFixed(2));

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function statusCell(r) {
  return r.status === 'ok' ? 'ok' : `${r.status}${r.message ? `: ${String(r.message).slice(0, 160)}` : ''}`;
}

function vitkitTable(rows) {
  return table(
    ['model', 'backend', 'threads', 'parallel', 'kernels', 'batch', 'train ms/step', 'train img/s', 'infer ms', 'infer img/s', 'tf peak MB (train)', 'wasm heap MB', 'peak RSS MB', 'load 1m', 'bg cores', 'status'],
    rows.map((r) => [r.model, r.backend, r.threads, r.strategy, r.kernels, r.batch, f1(r.trainMs), f1(r.trainImgPerSec), f1(r.inferMs), f1(r.inferImgPerSec), f1(r.tfPeakTrainMB), f1(r.wasmHeapMB), f1(r.peakRssMB), load1(r), bg(r), statusCell(r)]),
  );
}

function pytorchTable(rows) {
  return table(
    ['model', 'threads', 'batch', 'train ms/step', 'train img/s', 'infer ms', 'infer img/s', 'peak RSS MB', 'load 1m', 'bg cores', 'status'],
    rows.map((r) => [r.model, r.threads, r.batch, f1(r.trainMs), f1(r.trainImgPerSec), f1(r.inferMs), f1(r.inferImgPerSec), f1(r.peakRssMB), load1(r), bg(r), statusCell(r)]),
  );
}

function onnxruntimeTable(rows) {
  return table(
    ['model', 'threads', 'batch', 'infer ms', 'infer img/s', 'ONNX MB', 'export s', 'peak RSS MB', 'load 1m', 'bg cores', 'status'],
    rows.map((r) => [r.model, r.threads, r.batch, f1(r.inferMs), f1(r.inferImgPerSec), f1(r.onnxMB), f1(r.exportSeconds), f1(r.peakRssMB), load1(r), bg(r), statusCell(r)]),
  );
}

/** onnxruntime inference against PyTorch's and vitkit's (same model, batch and threads; vitkit's fastest run). */
function onnxruntimeRatioRows(ortRows, torch, vit) {
  return ortRows.map((r) => {
    const t = torch.find((p) => p.model === r.model && p.threads === r.threads && p.batch === r.batch && p.status === 'ok');
    const v = vit.filter((x) => x.model === r.model && x.threads === r.threads && x.batch === r.batch && x.status === 'ok');
    const vBest = v.length ? Math.max(...v.map((x) => x.inferImgPerSec)) : null;
    const ok = r.status === 'ok';
    return {
      model: r.model,
      threads: r.threads,
      batch: r.batch,
      vsPytorch: ok && t ? r.inferImgPerSec / t.inferImgPerSec : null,
      vsVitkit: ok && vBest ? r.inferImgPerSec / vBest : null,
      note: !ok ? `onnxruntime ${r.status}${r.message ? `: ${String(r.message).slice(0, 120)}` : ''}` : !t ? 'no PyTorch run' : '',
    };
  });
}

function onnxruntimeRatioTable(rows) {
  return table(
    ['model', 'threads', 'batch', 'onnxruntime / PyTorch infer', 'onnxruntime / vitkit infer', 'note'],
    rows.map((r) => [r.model, r.threads, r.batch, fr(r.vsPytorch), fr(r.vsVitkit), r.note]),
  );
}

function ratioRows(vit, torch) {
  const out = [];
  for (const v of vit) {
    const t = torch.find((p) => p.model === v.model && p.threads === v.threads && p.batch === v.batch);
    const ok = v.status === 'ok' && t && t.status === 'ok';
    // The fastest PyTorch run of this model at this batch, any thread count (under CPU contention PyTorch's
    // OpenMP threads can make 2 threads slower than 1; the same-threads ratio then flatters vitkit).
    const same = torch.filter((p) => p.model === v.model && p.batch === v.batch && p.status === 'ok');
    const bestTrain = same.length ? Math.max(...same.map((p) => p.trainImgPerSec)) : null;
    const bestInfer = same.length ? Math.max(...same.map((p) => p.inferImgPerSec)) : null;
    out.push({
      model: v.model,
      backend: v.backend,
      threads: v.threads,
      kernels: v.kernels,
      strategy: v.strategy,
      batch: v.batch,
      train: ok ? v.trainImgPerSec / t.trainImgPerSec : null,
      infer: ok ? v.inferImgPerSec / t.inferImgPerSec : null,
      trainVsBest: v.status === 'ok' && bestTrain ? v.trainImgPerSec / bestTrain : null,
      inferVsBest: v.status === 'ok' && bestInfer ? v.inferImgPerSec / bestInfer : null,
      memory: ok ? v.peakRssMB / t.peakRssMB : null,
      params: ok ? (v.params === t.params ? `${v.params} (same)` : `${v.params} vs ${t.params}`) : '–',
      note: ok ? '' : v.status !== 'ok' ? `vitkit ${v.status}` : !t ? 'no PyTorch run' : `PyTorch ${t.status}${t.message ? `: ${t.message}` : ''}`,
    });
  }
  return out;
}

function ratioTable(rows) {
  return table(
    ['model', 'backend', 'threads', 'parallel', 'kernels', 'batch', 'train ratio (same threads)', 'infer ratio (same threads)', 'train ratio vs best PyTorch', 'infer ratio vs best PyTorch', 'peak RSS ratio', 'params', 'note'],
    rows.map((r) => [r.model, r.backend, r.threads, r.strategy, r.kernels, r.batch, fr(r.train), fr(r.infer), fr(r.trainVsBest), fr(r.inferVsBest), fr(r.memory), r.params, r.note]),
  );
}

// ---- main ----------------------------------------------------------------------------------------------------------

function render(report) {
  const { machine, options: o, vitkit: vit, pytorch: torch } = report;
  const ratios = o.vsPytorch ? ratioRows(vit, torch) : [];
  const out = [];
  out.push(`machine: ${machine.nproc} CPUs, ${machine.cpu} (${machine.simd.join(', ')}), ${machine.ramGB} GB RAM, ${machine.kernel}, node ${machine.node}`);
  const rounds = o.rounds ?? 1;
  const timing = rounds > 1 ? `${rounds} rounds alternating vitkit and PyTorch, each the median of ${o.steps} timed steps after ${o.warmup} warm-up; each side's fastest round` : `${o.steps} timed steps (median) after ${o.warmup} warm-up`;
  out.push(`date: ${report.date}; load average at end: ${report.loadAtEnd}; ${timing}; backends ${(o.backends ?? [o.backend]).join(', ')}`);
  out.push('"load 1m" = /proc/loadavg before the run; "bg cores" = CPU used by other processes during the run (0 = idle machine).\n');
  out.push(`vitkit (tfjs ${(o.backends ?? [o.backend]).join(', ')})\n`);
  out.push(vitkitTable(vit));
  if (o.vsPytorch) {
    out.push(`\nPyTorch (${pytorch.PYTHON}, ${report.torchSetup})\n`);
    out.push(pytorchTable(torch));
    out.push('\nvitkit / PyTorch img/s (same model and batch; > 1 means vitkit is faster). "same threads" divides by PyTorch at the same thread count, "vs best" by the fastest PyTorch run of any thread count; peak RSS ratio > 1 means vitkit uses more memory.\n');
    out.push(ratioTable(ratios));
    const s2 = ratios.filter((r) => r.model === 'vit_s_bench_32' && r.threads === 2 && r.train != null);
    if (s2.length) {
      const best = s2.reduce((a, b) => (b.train > a.train ? b : a));
      out.push(`\nS config (vit_s_bench_32) at 2 threads: best vitkit/PyTorch training ratio ${fr(best.train)} (${best.backend ?? 'wasm'}, ${best.strategy}, kernels ${best.kernels}); issue #7 target ≥ 0.2×: ${best.train >= 0.2 ? 'met' : 'NOT met'} on this run. Against the fastest PyTorch run of any thread count: ${fr(best.trainVsBest)}. Check "bg cores": figures taken under load are not comparable with an idle machine.`);
    }
  }
  const ortRows = report.onnxruntime ?? [];
  if (ortRows.length) {
    out.push('\nonnxruntime-node (inference only: the model exported with @vitkit/onnx, same seeded weights, same batch)\n');
    out.push(onnxruntimeTable(ortRows));
    out.push('\nonnxruntime img/s divided by PyTorch\'s (same threads) and by vitkit\'s fastest run (same threads); > 1 means onnxruntime is faster.\n');
    out.push(onnxruntimeRatioTable(onnxruntimeRatioRows(ortRows, torch ?? [], vit)));
  }
  return out.join('\n');
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (o.from) {
    process.stdout.write(render(JSON.parse(fs.readFileSync(o.from, 'utf8'))) + '\n');
    return 0;
  }
  const log = (m) => process.stderr.write(`bench: ${m}\n`);
  const machine = machineInfo();
  let torchSetup = null;
  let torchModels = [];
  if (o.vsPytorch) {
    torchSetup = pytorch.ensurePytorch(log);
    torchModels = pytorch.pytorchModels();
  }
  log(`${machine.nproc} CPUs (${machine.cpu}), ${machine.ramGB} GB RAM, load ${loadAvg()}`);
  const vit = [];
  const torch = [];
  const ortRows = [];
  for (const model of o.models) {
    const batch = o.batch ?? DEFAULT_BATCH[model] ?? specBatch(model) ?? 8;
    for (const threads of o.threads) {
      // the rounds alternate vitkit and PyTorch; each side's fastest round becomes its row
      const rounds = { vitkit: new Map(), pytorch: [] };
      for (let round = 1; round <= o.rounds; round++) await runRound(o, { model, batch, threads, round }, rounds, vit, torch, torchModels, log);
      const merged = [...[...rounds.vitkit.values()].map((rs) => ['vitkit ', rs]), ...(rounds.pytorch.length ? [['pytorch', rounds.pytorch]] : [])];
      for (const [engine, rs] of merged) {
        const r = mergeRounds(rs);
        (engine === 'pytorch' ? torch : vit).push(r);
        if (o.rounds > 1) log(`  ${engine} ${model} threads ${threads}, fastest of ${rs.length} rounds: ${resultLine(r)}`);
      }
      const registered = !vit.some((r) => r.model === model && r.status === 'not registered');
      // onnxruntime's inference is for information (no target): one run per cell
      if (o.onnxruntime && registered) {
        log(`onnxruntime ${model} batch ${batch} threads ${threads} (load ${loadAvg()})`);
        const r = await onnxruntimeRun(o, model, batch, threads);
        ortRows.push(r);
        log(`  → ${r.status === 'ok' ? `infer ${f1(r.inferImgPerSec)} img/s, peak RSS ${f1(r.peakRssMB)} MB` : statusCell(r)}`);
      }
    }
  }
  const ratios = o.vsPytorch ? ratioRows(vit, torch) : [];
  const report = { date: new Date().toISOString(), machine, loadAtEnd: loadAvg(), options: o, torchSetup, vitkit: vit, pytorch: torch, onnxruntime: ortRows, ratios };
  if (o.save) fs.writeFileSync(o.save, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write((o.json ? JSON.stringify(report, null, 2) : render(report)) + '\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench: ${e && e.message ? e.message : e}\n`);
    process.exit(2);
  },
);
