#!/usr/bin/env node
// Runs the user-facing `vitkit` commands of README.md and the package READMEs exactly as they are written, in the
// repository they describe (CI: a clean clone, right after `npm ci`), and fails on any that does not work:
//
//   node tools/readme-commands/check.js        (= npm run check:readme)
//
// Commands that would run long keep their text but get a short run: `vitkit train` (and `npm start`) gets Ctrl-C as
// soon as its progress line shows a training step (at the latest after README_CHECK_TRAIN_SECONDS, default 90) and
// must stop cleanly with a checkpoint, which the README's `eval`/`predict` lines then read. Input files a command names but nothing produces (x.safetensors,
// w.safetensors, *.png) are made on the spot and removed afterwards. Also fails when a README shows a bare
// `npx vitkit …` (it may fetch and run a stranger's package called `vitkit`) and when the check leaves
// `git status` changed. Commands with a <placeholder> are listed, not run.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { extractCommands } = require('./extract');
const { prepareInputs } = require('./fixtures');

const ROOT = path.resolve(__dirname, '..', '..');
const TRAIN_SECONDS = Number(process.env.README_CHECK_TRAIN_SECONDS ?? 90);
/** The trainer's progress line once a step is done, e.g. `epoch 1/2 ░░░   1/937 loss 2.3040`. */
const TRAINING_STEP = /epoch \d+\/\d+ .*\b\d+\/\d+ loss /;
const TIMEOUT_SECONDS = Number(process.env.README_CHECK_TIMEOUT_SECONDS ?? 180);

/** `npm start` and `npm run <script>` as the vitkit command they run, so duplicates run once. */
function normalise(command, scripts) {
  let c = command.replace(/\s+/g, ' ');
  const script = c.match(/^npm (?:start|run (\S+))(?: -- )?(.*)$/);
  if (script) c = `${scripts[script[1] ?? 'start']} ${script[2] ?? ''}`.trim();
  return c.replace(/^(npx --no-install |npm exec --no -- )?vitkit/, 'vitkit');
}

const isTrain = (key) => /^vitkit train /.test(key);

function gitStatus() {
  const r = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * Runs one README line through bash in its own process group (so Ctrl-C reaches npx and vitkit as in a terminal);
 * `interrupt` sends Ctrl-C once the output matches `interrupt.when`, at the latest after `interrupt.seconds`.
 */
function run(command, { interrupt: when } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn('bash', ['-c', command], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    let interrupted = false;
    const onData = (d) => {
      output += d;
      if (when && !interrupted && when.when.test(output)) ctrlC();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const signal = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const ctrlC = () => {
      interrupted = true;
      signal('SIGINT');
    };
    const interrupt = when ? setTimeout(ctrlC, when.seconds * 1000) : undefined;
    const timeout = setTimeout(() => signal('SIGKILL'), TIMEOUT_SECONDS * 1000);
    child.on('close', (code, sig) => {
      clearTimeout(interrupt);
      clearTimeout(timeout);
      resolve({ code, signal: sig, output, seconds: (Date.now() - t0) / 1000, interrupted });
    });
  });
}

/** A train run stopped by Ctrl-C passes when vitkit said it stopped and wrote the checkpoint it names. */
function judgeTrain(r) {
  if (!r.interrupted) return r.code === 0 ? undefined : `exit ${r.code ?? r.signal}`;
  const m = r.output.match(/stopped at step \d+\/\d+; checkpoint (\S+)/);
  if (!m) return `no "stopped at step …; checkpoint …" line after Ctrl-C (exit ${r.code ?? r.signal})`;
  if (!fs.existsSync(m[1])) return `the checkpoint ${m[1]} it names does not exist`;
  return undefined;
}

async function main() {
  const t0 = Date.now();
  const { commands, unsafe } = extractCommands(ROOT);
  const failures = unsafe.map((u) => `${u.file}:${u.line}: bare "npx vitkit" (use npx --no-install vitkit): ${u.text}`);
  const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;

  const unique = new Map();
  const templates = [];
  for (const c of commands) {
    if (/<[^>]+>/.test(c.command)) templates.push(c);
    else {
      const key = normalise(c.command, scripts);
      if (!unique.has(key)) unique.set(key, { ...c, key, also: [] });
      else unique.get(key).also.push(`${c.file}:${c.line}`);
    }
  }
  const all = [...unique.values()];
  const trains = all.filter((c) => isTrain(c.key));
  const needRuns = all.filter((c) => !isTrain(c.key) && /\bruns\//.test(c.key));
  const quick = all.filter((c) => !isTrain(c.key) && !needRuns.includes(c));

  const outDirs = [...new Set(trains.map((c) => c.key.match(/--spec (\S+)/)?.[1]).filter(Boolean).map((spec) => path.join(ROOT, 'runs', path.basename(spec, '.json'))))];
  const busy = outDirs.filter((d) => fs.existsSync(d));
  if (busy.length) throw new Error(`${busy.map((d) => path.relative(ROOT, d)).join(', ')} exists already: the check trains there (run it in a clean clone, or remove it)`);
  const statusBefore = gitStatus();
  const created = [];
  const results = [];
  const record = (c, r, problem) => {
    results.push({ c, r, problem });
    const where = [`${c.file}:${c.line}`, ...c.also].join(', ');
    process.stdout.write(`${problem ? 'FAIL' : 'ok  '} ${r.seconds.toFixed(1).padStart(5)} s  ${c.command}   (${where})\n`);
    if (problem) process.stdout.write(`      ${problem}\n${r.output.trim().split('\n').slice(-12).map((l) => `      | ${l}`).join('\n')}\n`);
  };

  try {
    await prepareInputs(ROOT, all, created);
    // Two lanes (the CI machine has 2 cores): training and then what reads its outputs; the other commands.
    const trainLane = (async () => {
      for (const c of trains) {
        const r = await run(c.command, { interrupt: { when: TRAINING_STEP, seconds: TRAIN_SECONDS } });
        record(c, r, judgeTrain(r));
      }
      for (const c of needRuns) {
        const r = await run(c.command);
        record(c, r, r.code === 0 ? undefined : `exit ${r.code ?? r.signal}`);
      }
    })();
    const quickLane = (async () => {
      for (const c of quick) {
        const r = await run(c.command);
        record(c, r, r.code === 0 ? undefined : `exit ${r.code ?? r.signal}`);
      }
    })();
    await Promise.all([trainLane, quickLane]);
  } finally {
    for (const f of created) fs.rmSync(path.join(ROOT, f), { force: true });
    for (const d of outDirs) fs.rmSync(d, { recursive: true, force: true });
  }

  for (const t of templates) process.stdout.write(`skip        ${t.command}   (${t.file}:${t.line}: a template with <placeholders>)\n`);
  failures.push(...results.filter((x) => x.problem).map((x) => `${x.c.file}:${x.c.line}: ${x.c.command}: ${x.problem}`));
  const statusAfter = gitStatus();
  if (statusBefore !== undefined && statusAfter !== statusBefore) failures.push(`git status changed:\n${statusAfter}`);
  if (!all.some((c) => c.key === 'vitkit --help')) failures.push('README.md shows no `vitkit --help`');
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (failures.length) {
    process.stderr.write(`\nreadme-commands: ${failures.length} problem(s) in ${seconds} s:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`\nreadme-commands: ${results.length} commands from the READMEs ran as written (${seconds} s)\n`);
}

main().catch((e) => {
  process.stderr.write(`readme-commands: ${e.stack ?? e}\n`);
  process.exit(1);
});
