/** A learning-rate schedule: the rate for a 0-based optimizer step. */
export interface LrSchedule {
  readonly name: string;
  lr(step: number): number;
}

export interface CosineOptions {
  baseLr: number;
  totalSteps: number;
  warmupSteps?: number;
  /** Rate at the first warm-up step (timm `warmup_lr_init`), default 0. */
  warmupLr?: number;
  /** Floor of the cosine (timm `lr_min`), default 0. */
  minLr?: number;
}

/**
 * Linear warm-up from `warmupLr` to `baseLr` over `warmupSteps`, then a half cosine from `baseLr` down to
 * `minLr` at `totalSteps`. Step t of warm-up uses warmupLr + (baseLr − warmupLr)·t/warmupSteps.
 */
export function cosineSchedule(o: CosineOptions): LrSchedule {
  const warm = o.warmupSteps ?? 0;
  const w0 = o.warmupLr ?? 0;
  const minLr = o.minLr ?? 0;
  if (!(o.totalSteps > 0)) throw new RangeError(`cosine schedule: totalSteps must be > 0, got ${o.totalSteps}`);
  if (warm > o.totalSteps) throw new RangeError(`cosine schedule: ${warm} warm-up steps exceed the ${o.totalSteps} total steps`);
  return {
    name: 'cosine',
    lr(step: number): number {
      if (step < warm) return w0 + ((o.baseLr - w0) * step) / warm;
      const span = o.totalSteps - warm;
      const t = span > 0 ? Math.min(1, (step - warm) / span) : 1;
      return minLr + 0.5 * (o.baseLr - minLr) * (1 + Math.cos(Math.PI * t));
    },
  };
}

/** Constant rate, with optional linear warm-up. */
export function constantSchedule(o: { baseLr: number; warmupSteps?: number; warmupLr?: number }): LrSchedule {
  const warm = o.warmupSteps ?? 0;
  const w0 = o.warmupLr ?? 0;
  return {
    name: 'constant',
    lr: (step) => (step < warm ? w0 + ((o.baseLr - w0) * step) / warm : o.baseLr),
  };
}

/** Multiplies the rate by `gamma` every `stepSize` steps (after warm-up). */
export function stepSchedule(o: { baseLr: number; stepSize: number; gamma?: number; warmupSteps?: number; warmupLr?: number }): LrSchedule {
  const warm = o.warmupSteps ?? 0;
  const w0 = o.warmupLr ?? 0;
  const gamma = o.gamma ?? 0.1;
  return {
    name: 'step',
    lr: (step) => (step < warm ? w0 + ((o.baseLr - w0) * step) / warm : o.baseLr * gamma ** Math.floor((step - warm) / o.stepSize)),
  };
}
