/** One problem found in a spec: where it is, what was there, and what is allowed. */
export interface SpecIssue {
  path: string;
  message: string;
}

/** A spec that does not validate; the message lists every issue, one per line, each with its exact path. */
export class SpecError extends Error {
  constructor(readonly issues: SpecIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'SpecError';
  }
}

export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'missing';
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}
