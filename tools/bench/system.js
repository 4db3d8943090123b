'use strict';
// Machine description and CPU-load sampling for the benchmark (Linux /proc; degrades to nulls elsewhere).
const fs = require('fs');
const os = require('os');

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** nproc, CPU model, RAM, kernel, node: what BENCHMARKS.md records next to the figures. */
function machineInfo() {
  const cpuinfo = readText('/proc/cpuinfo') || '';
  const model = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) || [])[1] || os.cpus()[0]?.model || 'unknown';
  const flags = ((cpuinfo.match(/^flags\s*:\s*(.+)$/m) || [])[1] || '').split(/\s+/);
  const simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f));
  return {
    nproc: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    cpu: model.trim(),
    simd,
    ramGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

/** /proc/loadavg's three averages, e.g. "9.93 10.51 7.73". */
function loadAvg() {
  const t = readText('/proc/loadavg');
  return t ? t.split(' ').slice(0, 3).join(' ') : os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

/** Busy and total CPU seconds of the whole machine so far (from /proc/stat). */
function cpuTimes() {
  const t = readText('/proc/stat');
  if (!t) return null;
  const f = t.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const hz = 100; // USER_HZ on Linux
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy: busy / hz, total: (busy + idle + (iowait || 0)) / hz, at: Date.now() };
}

/**
 * Cores used by everything except the measured process between two cpuTimes() samples: machine busy time minus
 * the process's own CPU seconds, divided by the wall time. 0 on an idle machine, up to nproc when saturated.
 */
function backgroundCores(before, after, ownCpuSeconds) {
  if (!before || !after || ownCpuSeconds == null) return null;
  const wall = (after.at - before.at) / 1e3;
  if (wall <= 0) return null;
  return Math.max(0, (after.busy - before.busy - ownCpuSeconds) / wall);
}

module.exports = { machineInfo, loadAvg, cpuTimes, backgroundCores };
