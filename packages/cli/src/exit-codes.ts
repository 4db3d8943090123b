import { PluginLoadError as CorePluginLoadError, PluginNotFoundError, PthError, SafetensorsError, SpecError, StateDictError, UnknownBackendError } from '@vitkit/core';

/** The exit codes of every `vitkit` subcommand: scripts can rely on them. */
export const EXIT = {
  ok: 0,
  /** Anything unexpected (a bug, out of memory, a diverged training run, an unreadable image, ...). */
  failure: 1,
  /** Bad command line: unknown command or flag, missing argument, a command whose package is not installed. */
  usage: 2,
  /** Bad input: invalid spec, missing or broken plugin, unreadable or mismatched weights/checkpoint. */
  input: 3,
  /** `vitkit train` stopped by Ctrl-C after writing a checkpoint (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command needs a package that is not installed: a usage matter (exit 2), with the install line. */
export class MissingPackageError extends UsageError {
  constructor(readonly pkg: string) {
    super(`this command needs ${pkg}, which is not installed; install it with: npm install ${pkg}`);
    this.name = 'MissingPackageError';
  }
}

/** A plugin that was found but could not be loaded or registered (it threw, or exports no plugin). */
export class PluginLoadError extends Error {
  constructor(
    readonly plugin: string,
    cause: unknown,
  ) {
    super(`plugin "${plugin}" could not be loaded: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'PluginLoadError';
  }
}

/** Errors of packages the CLI loads only on demand (the trainer), recognised by name so they need not be loaded. */
const OPTIONAL_INPUT_ERRORS = new Set(['CheckpointError']);

/** The one rule mapping an error to an exit code. */
export function exitCodeFor(e: unknown): ExitCode {
  if (e instanceof UsageError || e instanceof UnknownBackendError) return EXIT.usage;
  if (e instanceof SpecError || e instanceof StateDictError || e instanceof SafetensorsError || e instanceof PthError || e instanceof PluginNotFoundError || e instanceof PluginLoadError || e instanceof CorePluginLoadError) {
    return EXIT.input;
  }
  if (e instanceof Error && OPTIONAL_INPUT_ERRORS.has(e.name)) return EXIT.input;
  return EXIT.failure;
}
