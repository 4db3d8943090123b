import { tf } from '../tf';
import { SpecError } from '../spec/errors';
import { BackendChoice, ENGINE_ALIASES, engineNames, EngineFailure, ENGINES, findEngine } from './engines';

export type { BackendChoice } from './engines';

export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

/** What the user may ask for: a backend, or the node package that provides it. */
export type BackendRequest = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | BackendName;

export const BACKEND_ENV = 'VITKIT_BACKEND';
/** Threads for the wasm backend (multi-threaded build, patched for Node); default 1 — see BENCHMARKS.md. */
export const WASM_THREADS_ENV = 'VITKIT_WASM_THREADS';

/**
 * Where a backend may be named, strongest first: `flag` (a CLI flag or API option) > `$VITKIT_BACKEND` > `spec` (the
 * run spec's `backend`) > automatic. "auto" (or nothing) at a level defers to the next one.
 */
export interface SelectBackendOptions {
  /** An explicit request: the CLI's `--backend`, a `backend` API option. */
  flag?: string;
  /** The run spec's backend. */
  spec?: string;
  /** Where the spec's value was written, for the error on an unknown name (default "backend"). */
  specPath?: string;
  /** No "vitkit: backend …" line on stderr. */
  quiet?: boolean;
  /** wasm threads (default $VITKIT_WASM_THREADS, else 1). */
  threads?: number;
}

/** A backend name that is not one vitkit knows, with where it was written. */
export class UnknownBackendError extends Error {
  constructor(
    readonly value: string,
    readonly source: string
  ) {
    super(`unknown backend "${value}" (${source}); choose one of ${engineNames().join(', ')}`);
    this.name = 'UnknownBackendError';
  }
}

let selected: BackendChoice | undefined;
const said = new Set<string>();

function sayOnce(line: string): void {
  if (said.has(line)) return;
  said.add(line);
  process.stderr.write(`${line}\n`);
}

/** The backend `selectBackend` last started, or undefined when it was never called. */
export function selectedBackend(): BackendChoice | undefined {
  return selected;
}

function wanted(options: SelectBackendOptions): { name: string; source: string } | undefined {
  const specPath = options.specPath ?? 'backend';
  const sources = [
    { value: options.flag, source: 'backend flag' },
    { value: process.env[BACKEND_ENV], source: `$${BACKEND_ENV}` },
    { value: options.spec, source: `spec ${specPath}` },
  ];
  const known = new Set(engineNames());
  // Every level is checked, also those a stronger one overrides: a typo never waits silently for another day.
  for (const { value, source } of sources) {
    if (!value || known.has(value)) continue;
    if (source.startsWith('spec ')) {
      throw new SpecError([{ path: specPath, message: `unknown backend ${JSON.stringify(value)}; choose one of ${engineNames().join(', ')}` }]);
    }
    throw new UnknownBackendError(value, source);
  }
  const first = sources.find((s) => s.value && s.value !== 'auto');
  return first ? { name: first.value as string, source: first.source } : undefined;
}

function threadsOf(options: SelectBackendOptions): number {
  const threads = options.threads ?? Number(process.env[WASM_THREADS_ENV] ?? 1);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm threads must be a positive integer, got ${threads} (${WASM_THREADS_ENV})`);
  return threads;
}

function failureText(name: string, install: string, failure: EngineFailure): string {
  return failure.reason === 'not-installed'
    ? `backend "${name}" is not available; install ${install} (npm install ${install})`
    : `backend "${name}" failed to start: ${failure.error.message}`;
}

/**
 * Starts a backend and makes it tfjs's active one. The name comes from, in this order: `flag` > `$VITKIT_BACKEND` >
 * `spec` > automatic (the fastest installed: tfjs-node-gpu, tfjs-node, native, wasm, cpu). A named backend that cannot start
 * is an error naming the package to install; an unknown name is an error naming where it was written. A string
 * argument is the flag: `selectBackend('wasm')`.
 */
export async function selectBackend(request?: BackendRequest | string | SelectBackendOptions, options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const opts: SelectBackendOptions = typeof request === 'object' ? { ...request, ...options } : { ...options, flag: request ?? options.flag };
  const want = wanted(opts);
  const threads = threadsOf(opts);
  let choice: BackendChoice | undefined;
  if (want) {
    const names = ENGINE_ALIASES[want.name] ?? [want.name];
    const failures: string[] = [];
    for (const n of names) {
      const engine = findEngine(n)!;
      const started = await engine.start({ threads, requestedThreads: opts.threads });
      if ('backend' in started) {
        choice = started;
        break;
      }
      failures.push(failureText(n, engine.install, started));
    }
    if (!choice) throw new Error(`${failures.join('; ')} (asked for by the ${want.source})`);
  } else {
    for (const engine of ENGINES) {
      const started = await engine.start({ threads, requestedThreads: opts.threads });
      if ('backend' in started) {
        choice = started;
        break;
      }
      // Not installed: skipped in silence. Installed but broken: said once per process, since the user meant to have it.
      if (started.reason === 'failed') sayOnce(`vitkit: ${failureText(engine.name, engine.install, started)}; trying the next engine`);
    }
    if (!choice) throw new Error('no tfjs backend could be initialised');
  }
  await tf.ready();
  selected = choice;
  if (!opts.quiet) {
    const extras = [choice.provider, ...(choice.threads && choice.threads > 1 ? [`${choice.threads} threads`] : []), ...(choice.accelerators ?? [])];
    process.stderr.write(`vitkit: backend ${choice.backend} (${extras.join(', ')})\n`);
  }
  return choice;
}
