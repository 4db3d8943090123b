/**
 * Counts multiply-accumulates of matmuls and convolutions as the papers do ("FLOPs" = MACs): layers report
 * what they execute while a counter is active, so the count follows the real forward path (attention included).
 */
export class MacCounter {
  total = 0;
  readonly byKind = new Map<string, number>();

  add(kind: string, macs: number): void {
    this.total += macs;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + macs);
  }
}

const active: MacCounter[] = [];

export function reportMacs(kind: string, macs: number): void {
  for (const c of active) c.add(kind, macs);
}

/** Runs `fn` with a fresh counter and returns both. */
export function countMacs<T>(fn: () => T): { result: T; macs: MacCounter } {
  const counter = new MacCounter();
  active.push(counter);
  try {
    return { result: fn(), macs: counter };
  } finally {
    active.splice(active.indexOf(counter), 1);
  }
}
