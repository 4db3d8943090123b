// @vitkit/trainer for browsers (ES modules, `exports` condition `browser`): the step loop on in-memory batches, the
// optimizers, schedules, losses, clipping, EMA and the evaluation. No checkpoints, reports, specs or worker threads:
// those read and write files, and stay in the Node entry (index.ts).
import type { VitkitPlugin } from '@vitkit/core';
import { trainerPlugin } from './components';

/** Registers the trainer's optimizers ('adamw', 'sgd'), schedules ('cosine', 'constant', 'step') and losses. */
export const plugin: VitkitPlugin = trainerPlugin;

export * from './portable';
