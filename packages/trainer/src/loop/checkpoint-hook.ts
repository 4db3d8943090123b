import type { LoopHook, StepEnd } from './hooks';

export interface CheckpointHookOptions {
  /** Also checkpoint every N steps (optional); the end of every epoch and a stop always write one. */
  every?: number;
  save(extra?: Record<string, unknown>): Promise<void>;
  /** Extras stored with the end-of-epoch checkpoint (the latest evaluation). */
  extra(): Record<string, unknown> | undefined;
}

/**
 * Writes a checkpoint every `every` steps, before the loop stops, and at the end of each epoch (after the
 * evaluation hook, so the checkpoint records it). Mid-epoch ones are skipped on the epoch's last step: the
 * end-of-epoch checkpoint follows right after.
 */
export class CheckpointHook implements LoopHook {
  constructor(private readonly o: CheckpointHookOptions) {}

  async afterStep(e: StepEnd): Promise<void> {
    if (e.endOfEpoch) return;
    if (e.stopping || (this.o.every && e.step % this.o.every === 0)) await this.o.save();
  }

  async afterEpoch(): Promise<void> {
    await this.o.save(this.o.extra());
  }
}
