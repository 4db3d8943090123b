import { s } from '@vitkit/core';
import type { ComponentDefinition, RegistryLike, VitkitPlugin } from '@vitkit/core';
import { AdamW } from './optim/adamw';
import { SGD } from './optim/sgd';
import type { Optimizer, OptimParam } from './optim/optimizer';
import { constantSchedule, cosineSchedule, LrSchedule, stepSchedule } from './optim/schedule';
import { crossEntropy, LossFn, softTargetLoss } from './loss/losses';
import { pixelCrossEntropyLoss } from './segmentation/loss';
import type { PixelLossFn } from './segmentation/loss';

export const OWNER = '@vitkit/trainer';

/** What an 'optimizer' component builds: the base learning rate and a constructor over the model's parameters. */
export interface OptimizerFactory {
  readonly type: string;
  readonly lr: number;
  create(params: OptimParam[]): Optimizer;
}

/** What the trainer knows when it builds a schedule. */
export interface ScheduleContext {
  baseLr: number;
  totalSteps: number;
  stepsPerEpoch: number;
}

/** What a 'schedule' component builds. */
export interface ScheduleFactory {
  readonly type: string;
  create(ctx: ScheduleContext): LrSchedule;
}

const betas = s.array(s.number({ min: 0, max: 0.999999 }), { length: 2 });

export const adamwComponent: ComponentDefinition<{ lr: number; weightDecay: number; betas: number[]; eps: number }, OptimizerFactory> = {
  kind: 'optimizer',
  name: 'adamw',
  owner: OWNER,
  example: { lr: 0.001 },
  description: 'AdamW with decoupled weight decay (torch.optim.AdamW); no decay on norms, biases, position embeddings, cls tokens',
  options: s.object({
    lr: s.default(s.number({ gt: 0 }), 1e-3),
    weightDecay: s.default(s.number({ min: 0 }), 0.05),
    betas: s.default(betas, [0.9, 0.999]),
    eps: s.default(s.number({ gt: 0 }), 1e-8),
  }),
  create: (o) => ({
    type: 'adamw',
    lr: o.lr,
    create: (params) => new AdamW(params, { betas: o.betas as [number, number], eps: o.eps, weightDecay: o.weightDecay }),
  }),
};

export const sgdComponent: ComponentDefinition<{ lr: number; momentum: number; nesterov: boolean; weightDecay: number; dampening: number }, OptimizerFactory> = {
  kind: 'optimizer',
  name: 'sgd',
  owner: OWNER,
  example: { lr: 0.1 },
  description: 'SGD with (Nesterov) momentum (torch.optim.SGD); L2 weight decay only on parameters with decay',
  options: s.object({
    lr: s.default(s.number({ gt: 0 }), 0.1),
    momentum: s.default(s.number({ min: 0, max: 0.999999 }), 0.9),
    nesterov: s.default(s.boolean(), true),
    dampening: s.default(s.number({ min: 0, max: 1 }), 0),
    weightDecay: s.default(s.number({ min: 0 }), 1e-4),
  }),
  create: (o) => ({ type: 'sgd', lr: o.lr, create: (params) => new SGD(params, o) }),
};

const warmup = {
  warmupEpochs: s.optional(s.number({ min: 0 })),
  warmupSteps: s.optional(s.int({ min: 0 })),
  warmupLr: s.default(s.number({ min: 0 }), 1e-6),
};

function warmupSteps(o: { warmupEpochs?: number; warmupSteps?: number }, ctx: ScheduleContext): number {
  if (o.warmupSteps !== undefined) return Math.min(o.warmupSteps, ctx.totalSteps);
  return Math.min(ctx.totalSteps, Math.round((o.warmupEpochs ?? 0) * ctx.stepsPerEpoch));
}

export const cosineComponent: ComponentDefinition<{ warmupEpochs?: number; warmupSteps?: number; warmupLr: number; minLr: number }, ScheduleFactory> = {
  kind: 'schedule',
  name: 'cosine',
  owner: OWNER,
  example: {},
  description: 'Linear warm-up, then half-cosine decay to minLr, per step',
  options: s.object({ ...warmup, minLr: s.default(s.number({ min: 0 }), 1e-5) }),
  create: (o) => ({
    type: 'cosine',
    create: (ctx) => cosineSchedule({ baseLr: ctx.baseLr, totalSteps: ctx.totalSteps, warmupSteps: warmupSteps(o, ctx), warmupLr: o.warmupLr, minLr: o.minLr }),
  }),
};

export const constantComponent: ComponentDefinition<{ warmupEpochs?: number; warmupSteps?: number; warmupLr: number }, ScheduleFactory> = {
  kind: 'schedule',
  name: 'constant',
  owner: OWNER,
  example: {},
  description: 'Constant learning rate after an optional linear warm-up',
  options: s.object({ ...warmup }),
  create: (o) => ({ type: 'constant', create: (ctx) => constantSchedule({ baseLr: ctx.baseLr, warmupSteps: warmupSteps(o, ctx), warmupLr: o.warmupLr }) }),
};

export const stepComponent: ComponentDefinition<{ warmupEpochs?: number; warmupSteps?: number; warmupLr: number; decayEpochs: number; gamma: number }, ScheduleFactory> = {
  kind: 'schedule',
  name: 'step',
  owner: OWNER,
  example: { decayEpochs: 1 },
  description: 'Multiply the rate by gamma every decayEpochs epochs',
  options: s.object({ ...warmup, decayEpochs: s.number({ gt: 0 }), gamma: s.default(s.number({ gt: 0 }), 0.1) }),
  create: (o) => ({
    type: 'step',
    create: (ctx) =>
      stepSchedule({ baseLr: ctx.baseLr, stepSize: Math.max(1, Math.round(o.decayEpochs * ctx.stepsPerEpoch)), gamma: o.gamma, warmupSteps: warmupSteps(o, ctx), warmupLr: o.warmupLr }),
  }),
};

export const crossEntropyComponent: ComponentDefinition<{ labelSmoothing: number }, LossFn> = {
  kind: 'loss',
  name: 'cross-entropy',
  owner: OWNER,
  example: {},
  description: 'Cross-entropy with optional label smoothing (applied to the batch targets, so it composes with mixup/cutmix)',
  options: s.object({ labelSmoothing: s.default(s.number({ min: 0, max: 0.999 }), 0) }),
  create: (o) => crossEntropy(o),
};

export const softTargetComponent: ComponentDefinition<Record<string, never>, LossFn> = {
  kind: 'loss',
  name: 'soft-target-cross-entropy',
  owner: OWNER,
  example: {},
  description: 'Cross-entropy against the soft targets produced by the batch transforms (mixup/cutmix), as given',
  options: s.object({}),
  create: () => softTargetLoss(),
};

export const pixelCrossEntropyComponent: ComponentDefinition<{ ignoreIndex: number }, PixelLossFn> = {
  kind: 'loss',
  name: 'pixel-cross-entropy',
  owner: OWNER,
  example: {},
  description: 'Segmentation: per-pixel cross-entropy, mean over the labelled pixels (pixels labelled ignoreIndex count for nothing)',
  options: s.object({ ignoreIndex: s.default(s.int({ min: 0 }), 255) }),
  create: (o) => pixelCrossEntropyLoss(o),
};

export function registerTrainerComponents(registry: RegistryLike): void {
  for (const def of [adamwComponent, sgdComponent, cosineComponent, constantComponent, stepComponent, crossEntropyComponent, softTargetComponent, pixelCrossEntropyComponent]) {
    registry.register(def as ComponentDefinition<unknown, unknown>);
  }
}

/** Registers the trainer's optimizers ('adamw', 'sgd'), schedules ('cosine', 'constant', 'step') and losses (classification and per-pixel). */
export const trainerPlugin: VitkitPlugin = {
  name: '@vitkit/trainer',
  register: registerTrainerComponents,
};
