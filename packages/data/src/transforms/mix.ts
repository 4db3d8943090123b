import type { Rng } from '../rng';
import type { BatchTransform, HostBatch } from './types';

/**
 * Batch mixing as timm's `Mixup` (mode `batch`): one λ per batch, each sample mixed with the sample at the
 * mirrored position (`x.flip(0)`), targets mixed with the same λ (so every target row still sums to 1).
 * Targets arrive already one-hot / label-smoothed from the loader.
 */

/** `[top, bottom, left, right]` of timm's `rand_bbox`: a box of `sqrt(1 - λ)` of each side, centred at random. */
export function cutmixBox(height: number, width: number, lam: number, rng: Rng): [number, number, number, number] {
  const ratio = Math.sqrt(1 - lam);
  const cutH = Math.trunc(height * ratio);
  const cutW = Math.trunc(width * ratio);
  const cy = rng.int(0, height);
  const cx = rng.int(0, width);
  const clip = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  const half = (v: number) => Math.floor(v / 2);
  return [clip(cy - half(cutH), height), clip(cy + half(cutH), height), clip(cx - half(cutW), width), clip(cx + half(cutW), width)];
}

function mixTargets(batch: HostBatch, lam: number): Float32Array {
  const [b] = batch.shape;
  const k = batch.numClasses;
  const y = new Float32Array(batch.y.length);
  for (let i = 0; i < b; i++) {
    const j = b - 1 - i;
    for (let c = 0; c < k; c++) y[i * k + c] = lam * batch.y[i * k + c] + (1 - lam) * batch.y[j * k + c];
  }
  return y;
}

/** Blends every sample with its mirror: `x = λ x + (1 - λ) x.flip(0)`. */
export function applyMixup(batch: HostBatch, lam: number): HostBatch {
  const [b, h, w, c] = batch.shape;
  const per = h * w * c;
  const x = new Float32Array(batch.x.length);
  for (let i = 0; i < b; i++) {
    const j = b - 1 - i;
    for (let p = 0; p < per; p++) x[i * per + p] = lam * batch.x[i * per + p] + (1 - lam) * batch.x[j * per + p];
  }
  return { ...batch, x, y: mixTargets(batch, lam) };
}

/** Pastes the mirror's box into every sample; returns the batch and λ corrected to the pasted area. */
export function applyCutmix(batch: HostBatch, box: [number, number, number, number]): { batch: HostBatch; lam: number } {
  const [b, h, w, c] = batch.shape;
  const [y0, y1, x0, x1] = box;
  const lam = 1 - ((y1 - y0) * (x1 - x0)) / (h * w);
  const per = h * w * c;
  const x = batch.x.slice();
  for (let i = 0; i < b; i++) {
    const j = b - 1 - i;
    for (let y = y0; y < y1; y++) {
      const s = j * per + (y * w + x0) * c;
      x.set(batch.x.subarray(s, s + (x1 - x0) * c), i * per + (y * w + x0) * c);
    }
  }
  return { batch: { ...batch, x, y: mixTargets(batch, lam) }, lam };
}

export interface MixOptions {
  /** Beta(α, α) for mixup; 0 disables mixup. */
  mixupAlpha: number;
  /** Beta(α, α) for cutmix; 0 disables cutmix. */
  cutmixAlpha: number;
  /** Probability of mixing a batch at all. */
  prob: number;
  /** When both are enabled: probability of cutmix instead of mixup. */
  switchProb: number;
}

/** The last decision a `Mix` made (for logging and tests). */
export interface MixDecision {
  kind: 'none' | 'mixup' | 'cutmix';
  lam: number;
  box?: [number, number, number, number];
}

export class Mix implements BatchTransform {
  last: MixDecision = { kind: 'none', lam: 1 };
  constructor(readonly name: string, readonly options: MixOptions) {
    if (!(options.mixupAlpha > 0) && !(options.cutmixAlpha > 0)) throw new Error(`${name}: mixupAlpha or cutmixAlpha must be > 0`);
  }

  apply(batch: HostBatch, rng: Rng): HostBatch {
    const { mixupAlpha, cutmixAlpha, prob, switchProb } = this.options;
    let useCutmix: boolean;
    let lam: number;
    if (mixupAlpha > 0 && cutmixAlpha > 0) {
      useCutmix = rng.random() < switchProb;
      lam = useCutmix ? rng.beta(cutmixAlpha, cutmixAlpha) : rng.beta(mixupAlpha, mixupAlpha);
    } else if (mixupAlpha > 0) {
      useCutmix = false;
      lam = rng.beta(mixupAlpha, mixupAlpha);
    } else {
      useCutmix = true;
      lam = rng.beta(cutmixAlpha, cutmixAlpha);
    }
    if (rng.random() >= prob || lam === 1) {
      this.last = { kind: 'none', lam: 1 };
      return batch;
    }
    if (useCutmix) {
      const box = cutmixBox(batch.shape[1], batch.shape[2], lam, rng);
      const r = applyCutmix(batch, box);
      this.last = { kind: 'cutmix', lam: r.lam, box };
      return r.batch;
    }
    this.last = { kind: 'mixup', lam };
    return applyMixup(batch, lam);
  }
}
