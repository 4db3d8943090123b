/**
 * One seeded stream for parameter initialisation, dropout and augmentation seeds, so that a run with a fixed
 * seed is reproducible (tfjs random ops take an explicit integer seed).
 */
let state = 0x9e3779b9;

export function manualSeed(seed: number): void {
  state = (seed >>> 0) ^ 0x9e3779b9;
}

/** mulberry32: returns a float in [0, 1). */
export function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** An integer seed for a tfjs random op. */
export function nextSeed(): number {
  return Math.floor(random() * 2147483647);
}

export function getRngState(): number {
  return state;
}

export function setRngState(s: number): void {
  state = s >>> 0;
}
