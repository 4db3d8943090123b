// The choice of a backend, portable: which engines exist (and the environment variable, in Node) is the
// platform's; the order of precedence, the errors and the printed line are the same everywhere.
import { tf } from '../tf';
import { SpecError } from '../spec/errors';
import type { BackendChoice, Engine, EngineFailure, WasmKernelPack } from './engine';
import { sayLine } from './say';

/**
 * Where a backend may be named, strongest first: `flag` (a CLI flag or API option) > `$VITKIT_BACKEND` (Node) >
 * `spec` (the run spec's `backend`) > automatic. "auto" (or nothing) at a level defers to the next one.
 */
export interface SelectBackendOptions {
  /** An explicit request: the CLI's `--backend`, a `backend` API option. */
  flag?: string;
  /** The run spec's backend. */
  spec?: string;
  /** Where the spec's value was written, for the error on an unknown name (default "backend"). */
  specPath?: string;
  /** No "vitkit: backend …" line. */
  quiet?: boolean;
  /** wasm threads (default $VITKIT_WASM_THREADS, else 1; Node only). */
  threads?: number;
  /**
   * The wasm kernel pack to register when wasm starts. In Node it is found by name when installed; a browser app
   * passes it: `import * as wasmKernels from '@vitkit/wasm-kernels'`.
   */
  wasmKernels?: WasmKernelPack;
}

/** What differs between Node and a browser. */
export interface BackendPlatform {
  /** Every engine, fastest first: the automatic order. */
  engines: readonly Engine[];
  /** Names that stand for the first engine of a group that starts. */
  aliases: Readonly<Record<string, readonly string[]>>;
  /** The environment's request ($VITKIT_BACKEND in Node), with the name of where it came from. */
  env?: { value: string | undefined; source: string };
  /** Threads when the caller gives none ($VITKIT_WASM_THREADS in Node). */
  defaultThreads(): number;
  /** Where a default thread count comes from, for the error on a bad one. */
  threadsSource?: string;
}

/** A backend name that is not one vitkit knows, with where it was written. */
export class UnknownBackendError extends Error {
  constructor(
    readonly value: string,
    readonly source: string,
    readonly choices: readonly string[] = [],
  ) {
    super(`unknown backend "${value}" (${source}); choose one of ${choices.join(', ')}`);
    this.name = 'UnknownBackendError';
  }
}

let selected: BackendChoice | undefined;
const said = new Set<string>();

function sayOnce(line: string): void {
  if (said.has(line)) return;
  said.add(line);
  sayLine(line);
}

/** The backend `selectBackend` last started, or undefined when it was never called. */
export function selectedBackend(): BackendChoice | undefined {
  return selected;
}

/** Every name a user may write on this platform: auto, the engines, the aliases. */
export function platformEngineNames(platform: BackendPlatform): string[] {
  return ['auto', ...platform.engines.map((e) => e.name), ...Object.keys(platform.aliases)];
}

function wanted(platform: BackendPlatform, options: SelectBackendOptions): { name: string; source: string } | undefined {
  const specPath = options.specPath ?? 'backend';
  const sources = [
    { value: options.flag, source: 'backend flag' },
    ...(platform.env ? [platform.env] : []),
    { value: options.spec, source: `spec ${specPath}` },
  ];
  const names = platformEngineNames(platform);
  const known = new Set(names);
  // Every level is checked, also those a stronger one overrides: a typo never waits silently for another day.
  for (const { value, source } of sources) {
    if (!value || known.has(value)) continue;
    if (source.startsWith('spec ')) {
      throw new SpecError([{ path: specPath, message: `unknown backend ${JSON.stringify(value)}; choose one of ${names.join(', ')}` }]);
    }
    throw new UnknownBackendError(value, source, names);
  }
  const first = sources.find((s) => s.value && s.value !== 'auto');
  return first ? { name: first.value as string, source: first.source } : undefined;
}

function threadsOf(platform: BackendPlatform, options: SelectBackendOptions): number {
  const threads = options.threads ?? platform.defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`wasm threads must be a positive integer, got ${threads}${platform.threadsSource ? ` (${platform.threadsSource})` : ''}`);
  }
  return threads;
}

function failureText(name: string, install: string, failure: EngineFailure): string {
  return failure.reason === 'not-installed'
    ? `backend "${name}" is not available; install ${install} (npm install ${install})`
    : `backend "${name}" failed to start: ${failure.error.message}`;
}

/** The line printed for a choice: `vitkit: backend wasm (@tensorflow/tfjs-backend-wasm, @vitkit/wasm-kernels)`. */
export function describeChoice(choice: BackendChoice): string {
  const extras = [choice.provider, ...(choice.threads && choice.threads > 1 ? [`${choice.threads} threads`] : []), ...(choice.accelerators ?? [])];
  return `vitkit: backend ${choice.backend} (${extras.join(', ')})`;
}

/** Normalises `selectBackend`'s arguments: a string is the flag. */
export function selectOptions(request?: string | SelectBackendOptions, options: SelectBackendOptions = {}): SelectBackendOptions {
  return typeof request === 'object' ? { ...request, ...options } : { ...options, flag: request ?? options.flag };
}

/**
 * Starts a backend of `platform` and makes it tfjs's active one: the named one (flag > environment > spec), else the
 * first of the platform's engines that starts. A named backend that cannot start is an error naming the package to
 * install; an unknown name is an error naming where it was written.
 */
export async function chooseBackend(platform: BackendPlatform, opts: SelectBackendOptions): Promise<BackendChoice> {
  const want = wanted(platform, opts);
  const start = { threads: threadsOf(platform, opts), requestedThreads: opts.threads, wasmKernels: opts.wasmKernels };
  let choice: BackendChoice | undefined;
  if (want) {
    const names = platform.aliases[want.name] ?? [want.name];
    const failures: string[] = [];
    for (const n of names) {
      const engine = platform.engines.find((e) => e.name === n)!;
      const started = await engine.start(start);
      if ('backend' in started) {
        choice = started;
        break;
      }
      failures.push(failureText(n, engine.install, started));
    }
    if (!choice) throw new Error(`${failures.join('; ')} (asked for by the ${want.source})`);
  } else {
    for (const engine of platform.engines) {
      const started = await engine.start(start);
      if ('backend' in started) {
        choice = started;
        break;
      }
      // Not installed: skipped in silence. Installed but broken: said once, since the user meant to have it.
      if (started.reason === 'failed') sayOnce(`vitkit: ${failureText(engine.name, engine.install, started)}; trying the next engine`);
    }
    if (!choice) throw new Error('no tfjs backend could be initialised');
  }
  await tf.ready();
  selected = choice;
  if (!opts.quiet) sayLine(describeChoice(choice));
  return choice;
}
