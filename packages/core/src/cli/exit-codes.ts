import { SafetensorsError } from '../io/safetensors';
import { StateDictError } from '../io/state-dict';
import { PthError } from '../io/pth/pth-error';
import { PluginNotFoundError } from '../registry/plugins';
import { SpecError } from '../spec/errors';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** Anything unexpected (a bug, out of memory, ...). */
  failure: 1,
  /** Bad command line: unknown command or flag, missing argument. */
  usage: 2,
  /** Bad input: invalid spec, missing plugin, unreadable or mismatched weights/tensors. */
  input: 3,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof SpecError || e instanceof StateDictError || e instanceof SafetensorsError || e instanceof PthError || e instanceof PluginNotFoundError) return EXIT.input;
  return EXIT.failure;
}
