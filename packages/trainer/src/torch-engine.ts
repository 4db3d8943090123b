import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as net from 'net';
import { createRegistry, loadPlugins, resolveModelSpec } from '@vitkit/core';
import type { ModelSpec, Registry } from '@vitkit/core';
import { renderReport } from './report';
import type { MetricRecord } from './report';

/**
 * `vitkit train --engine torch`: the spec trains on PyTorch's DistributedDataParallel through the vitkit-torch twin
 * (python/vitkit-torch), launched by torchrun; the outputs (checkpoint.safetensors, model.safetensors, metrics.jsonl)
 * are vitkit's own formats, so `vitkit predict`, `--resume` and the report work on them unchanged.
 */
export interface TorchLaunchOptions {
  /** The training spec file. */
  spec: string;
  /** Processes on this node (GPUs, or CPU processes with gloo). Default 1. */
  nproc?: number;
  /** Nodes in the job (default 1); > 1 needs `rdzvEndpoint`, and the same command runs on every node. */
  nnodes?: number;
  /** `host:port` of the rendezvous (any node of the job). */
  rdzvEndpoint?: string;
  /** Job id shared by all nodes (default `vitkit`). */
  rdzvId?: string;
  /** Overrides train.outDir. */
  outDir?: string;
  /** Continue from <outDir>/checkpoint.safetensors (true) or a file. */
  resume?: boolean | string;
  /** Python with torch and vitkit-torch (default $VITKIT_TORCH_PYTHON, else `python3`). */
  python?: string;
  /** Receives the launcher's own lines (default console.log). */
  log?: (line: string) => void;
  /** Receives torchrun's output instead of the terminal (stdout and stderr). */
  onOutput?: (text: string) => void;
  /**
   * Registry that resolves the spec's model preset (the CLI passes its own, with its default plugins); default: core
   * and the spec's `plugins`.
   */
  registry?: Registry;
}

/** A TCP port that is free on localhost now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class TorchEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TorchEngineError';
  }
}

/**
 * The torchrun command line (`python -m torch.distributed.run ...`) for these options and the given spec file. One node
 * meets on `localhost:localPort` (torchrun's `--standalone` always takes port 29400, so two runs on one machine
 * collide; the launcher passes a free port).
 */
export function torchrunArgs(o: TorchLaunchOptions, specFile: string, baseDir?: string, localPort = 29400): string[] {
  const nproc = o.nproc ?? 1;
  const nnodes = o.nnodes ?? 1;
  if (!Number.isInteger(nproc) || nproc < 1) throw new TorchEngineError(`--nproc must be an integer >= 1, got ${nproc}`);
  if (!Number.isInteger(nnodes) || nnodes < 1) throw new TorchEngineError(`--nnodes must be an integer >= 1, got ${nnodes}`);
  if (nnodes > 1 && !o.rdzvEndpoint) throw new TorchEngineError(`--nnodes ${nnodes} needs --rdzv-endpoint host:port (the same on every node)`);
  const rendezvous = nnodes > 1 || o.rdzvEndpoint
    ? ['--nnodes', String(nnodes), '--rdzv_backend', 'c10d', '--rdzv_endpoint', o.rdzvEndpoint!, '--rdzv_id', o.rdzvId ?? 'vitkit']
    : ['--nnodes', '1', '--rdzv_backend', 'c10d', '--rdzv_endpoint', `localhost:${localPort}`, '--rdzv_id', `vitkit-${process.pid}-${localPort}`];
  // --redirects/--tee 1: torch 1.13's launcher (Debian bookworm) cannot parse its default "0" on Python 3.11.
  const args = ['-m', 'torch.distributed.run', '--nproc_per_node', String(nproc), ...rendezvous, '--redirects', '1', '--tee', '1', '-m', 'vitkit_torch.train', '--spec', specFile];
  if (baseDir) args.push('--base-dir', baseDir);
  if (o.outDir) args.push('--out-dir', o.outDir);
  if (o.resume) args.push('--resume', ...(typeof o.resume === 'string' ? [o.resume] : []));
  return args;
}

/**
 * Writes the spec with its model preset resolved (the twin builds explicit specs only) next to the run's outputs,
 * runs torchrun, then renders report.html from metrics.jsonl. Resolves to the exit code of torchrun.
 */
export async function launchTorchTraining(o: TorchLaunchOptions): Promise<number> {
  const log = o.log ?? ((l: string) => console.log(l));
  const file = path.resolve(o.spec);
  let raw: { model?: unknown; plugins?: string[]; train?: { outDir?: string; distillation?: { teacher?: unknown } } };
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new TorchEngineError(`cannot read spec ${o.spec}: ${(e as Error).message}`);
  }
  const registry = o.registry ?? createRegistry();
  if (raw.plugins?.length) loadPlugins(registry, raw.plugins, path.dirname(file));
  const outDir = path.resolve(o.outDir ?? raw.train?.outDir ?? path.join('runs', path.basename(file).replace(/\.json$/i, '')));
  const model = resolveModelSpec(registry, raw.model as ModelSpec, 'model');
  await fs.mkdir(outDir, { recursive: true });
  const resolved = path.join(outDir, 'torch-spec.json');
  // A distillation teacher may be a preset too: written out like the model.
  const dist = raw.train?.distillation;
  const distillation = dist?.teacher !== undefined ? { distillation: { ...dist, teacher: resolveModelSpec(registry, dist.teacher as ModelSpec, 'train.distillation.teacher') } } : {};
  await fs.writeFile(resolved, JSON.stringify({ ...raw, model, train: { ...raw.train, ...distillation, outDir } }, null, 1));
  const python = o.python ?? process.env.VITKIT_TORCH_PYTHON ?? 'python3';
  // Relative paths in the spec (data folders) keep resolving against the original spec's folder.
  const args = torchrunArgs({ ...o, outDir }, resolved, path.dirname(file), o.nnodes && o.nnodes > 1 ? undefined : await freePort());
  log(`$ ${python} ${args.join(' ')}`);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(python, args, { stdio: o.onOutput ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    child.stdout?.on('data', (b: Buffer) => o.onOutput?.(b.toString()));
    child.stderr?.on('data', (b: Buffer) => o.onOutput?.(b.toString()));
    child.on('error', (e) => reject(new TorchEngineError(`cannot start ${python} (${e.message}); install torch and python/vitkit-torch (pip install ./python/vitkit-torch) or set VITKIT_TORCH_PYTHON`)));
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  if (code === 0) await writeTorchReport(outDir, raw, path.basename(file));
  return code;
}

/** report.html of a torch run from its metrics.jsonl (the same renderer as `vitkit train`). */
export async function writeTorchReport(outDir: string, spec: unknown, name: string): Promise<string | undefined> {
  const text = await fs.readFile(path.join(outDir, 'metrics.jsonl'), 'utf8').catch(() => '');
  const records = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as MetricRecord);
  const train = records.filter((r) => r.type === 'train' && r.epoch > 0);
  if (!train.length) return undefined;
  const last = train[train.length - 1];
  const file = path.join(outDir, 'report.html');
  await fs.writeFile(
    file,
    renderReport({
      title: `vitkit training report: ${name} (PyTorch DDP engine)`,
      records,
      summary: [['engine', 'torch (vitkit-torch, DistributedDataParallel)'], ['steps', String(last.step)]],
      spec,
      stepsPerEpoch: Math.max(1, Math.round(last.step / last.epoch)),
    }),
  );
  return file;
}
