/**
 * A run's output (checkpoint, metrics line, weights, report) could not be written. Node's own message
 * ("ENOSPC: no space left on device, write") names neither the file nor the moment; this one names both, says what
 * was being written and what is still safe on disk.
 */
export class OutputWriteError extends Error {
  /** The errno code (ENOSPC, EACCES, ...) when there is one. */
  readonly code?: string;

  constructor(
    /** What was being written, in words: "the checkpoint", "a metrics line", ... */
    readonly what: string,
    readonly file: string,
    /** Optimizer steps completed when the write failed. */
    readonly step: number,
    cause: unknown,
    /** What is still intact (e.g. the previous checkpoint), appended to the message. */
    safe?: string,
  ) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    const why = cause instanceof Error ? cause.message : String(cause);
    const advice = code === 'ENOSPC' ? ' The disk is full: free space (or set train.outDir on another disk), then continue with --resume.' : '';
    super(`could not write ${what} ${file} at step ${step}: ${why}.${advice}${safe ? ` ${safe}` : ''}`, { cause });
    this.name = 'OutputWriteError';
    this.code = code;
  }
}

/** Runs the write `fn`, turning any failure into an OutputWriteError that names `what`, `file` and `step`. */
export async function writingOutput<T>(what: string, file: string, step: number, fn: () => Promise<T>, safe?: () => string | undefined): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof OutputWriteError) throw e;
    throw new OutputWriteError(what, file, step, e, safe?.());
  }
}
