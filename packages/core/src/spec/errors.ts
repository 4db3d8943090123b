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

const NUMBER_MARK = '@@vitkit-number:';

export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'missing';
  // JSON.parse reads 1e999 as Infinity, and JSON.stringify writes Infinity and NaN as null: show the number itself.
  if (typeof v === 'number') return String(v);
  try {
    const s = JSON.stringify(v, (_key, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? `${NUMBER_MARK}${x}` : x)).replace(
      new RegExp(`"${NUMBER_MARK}(-?Infinity|NaN)"`, 'g'),
      '$1',
    );
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}
