import { Trainer } from './trainer';
import type { TrainerOptions, TrainResult } from './trainer';
import type { LoadedSpec } from './spec';

/**
 * Trains a spec of any task to the end (or until `options.signal` aborts: the run then writes a checkpoint and
 * returns `stopped`; continue it with `resume: true`). The one call behind `vitkit train`: the run is assembled by
 * `Trainer.create` (registry, backend, model, data, optimizer, schedule, loss) and driven by its loop.
 */
export async function train(spec: string | object | LoadedSpec, options: TrainerOptions = {}): Promise<TrainResult> {
  const run = await Trainer.create(spec, options);
  try {
    return await run.fit();
  } finally {
    run.dispose();
  }
}
