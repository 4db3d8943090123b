// The parts of a training spec that every task shares: the `train` section (optimizer, schedule, loss, EMA, clipping,
// checkpoints, evaluation cadence, divergence guard) and the spec's top-level run settings. A task adds its `model`
// and `data` sections (spec.ts for classification, segmentation/spec.ts for segmentation).
import { modelSpecSchema, s } from '@vitkit/core';
import { DEFAULT_DIVERGENCE } from './divergence';

const emaSchema = s.object({
  decay: s.default(s.number({ gt: 0, max: 0.999999 }), 0.9998),
  /** Evaluate the EMA weights as well as the live weights. */
  evaluate: s.default(s.boolean(), true),
});

/** Knowledge distillation from a teacher classifier (classification only). */
export const distillSchema = s.object({
  teacher: modelSpecSchema,
  /** Safetensors weights of the teacher (a checkpoint or a plain state dict); relative to the spec file. */
  weights: s.string(),
  type: s.default(s.enum(['soft', 'hard'] as const), 'hard'),
  alpha: s.default(s.number({ min: 0, max: 1 }), 0.5),
  tau: s.default(s.number({ gt: 0 }), 1),
});

/** The divergence guard (see divergence.ts and the README): which losses and gradient norms count as an explosion. */
const divergenceSchema = s.object({
  enabled: s.default(s.boolean(), DEFAULT_DIVERGENCE.enabled),
  lossFactor: s.default(s.number({ gt: 1 }), DEFAULT_DIVERGENCE.lossFactor),
  gradNormFactor: s.default(s.number({ gt: 1 }), DEFAULT_DIVERGENCE.gradNormFactor),
  maxGradNorm: s.optional(s.number({ gt: 0 })),
  window: s.default(s.int({ min: 3 }), DEFAULT_DIVERGENCE.window),
  warmupSteps: s.default(s.int({ min: 1 }), DEFAULT_DIVERGENCE.warmupSteps),
});

/** The `train` section's fields every task has; `defaultLoss` is the task's loss when the spec names none. */
export function trainSectionShape(defaultLoss: string) {
  return {
    epochs: s.number({ gt: 0 }),
    optimizer: s.default(s.component('optimizer'), { type: 'adamw' }),
    schedule: s.default(s.component('schedule'), { type: 'cosine' }),
    loss: s.default(s.component('loss'), { type: defaultLoss }),
    clipGradNorm: s.optional(s.number({ gt: 0 })),
    ema: s.optional(emaSchema),
    /** Write a checkpoint every N optimizer steps (besides the end of every epoch). */
    checkpointEvery: s.optional(s.int({ min: 1 })),
    /** Evaluate every N epochs (and always after the last). */
    evalEvery: s.default(s.int({ min: 1 }), 1),
    /** Steps between metric lines in metrics.jsonl. */
    logEvery: s.default(s.int({ min: 1 }), 20),
    /** Output folder, relative to the current directory; default runs/<spec file name>. */
    outDir: s.optional(s.string()),
    /**
     * Data-parallel replicas on this machine (the main thread's included): 2 uses both cores of a 2-core machine, each
     * replica computing the gradients of its share of every batch on its own single-threaded backend.
     */
    workers: s.default(s.int({ min: 1, max: 64 }), 1),
    /** Stop a run whose loss or gradient norm explodes (finite or not), naming the last healthy checkpoint. */
    divergence: s.default(divergenceSchema, { ...DEFAULT_DIVERGENCE }),
  };
}

/** Top-level fields of every training spec besides `task`, `model`, `data` and `train`. */
export const runSettingsShape = {
  $schema: s.optional(s.string()),
  description: s.optional(s.string()),
  plugins: s.default(s.array(s.string()), []),
  seed: s.default(s.int({ min: 0 }), 0),
  backend: s.default(s.string(), 'auto'),
};
