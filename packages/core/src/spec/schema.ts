import { describeValue, SpecError, SpecIssue } from './errors';

/**
 * A small validator for component options. `parse` returns the value with defaults filled in and pushes
 * every problem (with its exact path) to `issues` instead of stopping at the first.
 */
export interface Schema<T> {
  readonly description: string;
  readonly hasDefault?: boolean;
  /** For object schemas: the option names it accepts. */
  readonly keys?: readonly string[];
  parse(value: unknown, path: string, issues: SpecIssue[]): T;
}

type Infer<S> = S extends Schema<infer T> ? T : never;
export type InferShape<S extends Record<string, Schema<unknown>>> = { [K in keyof S]: Infer<S[K]> };

function issue(issues: SpecIssue[], path: string, value: unknown, expected: string): void {
  issues.push({ path, message: `${describeValue(value)} is not valid; expected ${expected}` });
}

export interface NumberConstraints {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  gt?: number;
}

function numberSchema(integer: boolean, c: NumberConstraints): Schema<number> {
  const parts = [integer ? 'an integer' : 'a number'];
  if (c.min !== undefined) parts.push(`>= ${c.min}`);
  if (c.gt !== undefined) parts.push(`> ${c.gt}`);
  if (c.max !== undefined) parts.push(`<= ${c.max}`);
  const description = parts.join(' ');
  return {
    description,
    parse(v, path, issues) {
      const ok =
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (!integer || Number.isInteger(v)) &&
        (c.min === undefined || v >= c.min) &&
        (c.gt === undefined || v > c.gt) &&
        (c.max === undefined || v <= c.max);
      if (!ok) issue(issues, path, v, description);
      return v as number;
    },
  };
}

function withDefault<T>(inner: Schema<T>, value: T): Schema<T> {
  return {
    description: `${inner.description} (default ${describeValue(value)})`,
    hasDefault: true,
    parse(v, path, issues) {
      if (v === undefined) return structuredClone(value);
      return inner.parse(v, path, issues);
    },
  };
}

function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    description: `${inner.description} (optional)`,
    hasDefault: true,
    parse(v, path, issues) {
      if (v === undefined || v === null) return undefined;
      return inner.parse(v, path, issues);
    },
  };
}

export const s = {
  number: (c: NumberConstraints = {}) => numberSchema(false, c),
  int: (c: NumberConstraints = {}) => numberSchema(true, c),
  string: (): Schema<string> => ({
    description: 'a string',
    parse(v, path, issues) {
      if (typeof v !== 'string') issue(issues, path, v, 'a string');
      return v as string;
    },
  }),
  boolean: (): Schema<boolean> => ({
    description: 'true or false',
    parse(v, path, issues) {
      if (typeof v !== 'boolean') issue(issues, path, v, 'true or false');
      return v as boolean;
    },
  }),
  enum: <const E extends readonly string[]>(values: E): Schema<E[number]> => ({
    description: `one of ${values.join(', ')}`,
    parse(v, path, issues) {
      if (typeof v !== 'string' || !values.includes(v)) issue(issues, path, v, `one of ${values.join(', ')}`);
      return v as E[number];
    },
  }),
  array: <T>(item: Schema<T>, c: { length?: number; minLength?: number } = {}): Schema<T[]> => ({
    description: `an array${c.length !== undefined ? ` of length ${c.length}` : ''} of ${item.description}`,
    parse(v, path, issues) {
      if (!Array.isArray(v)) {
        issue(issues, path, v, `an array of ${item.description}`);
        return v as T[];
      }
      if (c.length !== undefined && v.length !== c.length) {
        issues.push({ path, message: `has ${v.length} entries; expected exactly ${c.length}` });
      }
      if (c.minLength !== undefined && v.length < c.minLength) {
        issues.push({ path, message: `has ${v.length} entries; expected at least ${c.minLength}` });
      }
      return v.map((x, i) => item.parse(x, `${path}[${i}]`, issues));
    },
  }),
  object: <S extends Record<string, Schema<unknown>>>(shape: S, opts: { allowUnknown?: boolean } = {}): Schema<InferShape<S>> => ({
    description: `an object with ${Object.keys(shape).join(', ')}`,
    keys: Object.keys(shape),
    parse(v, path, issues) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        issue(issues, path, v, 'an object');
        return v as InferShape<S>;
      }
      const src = v as Record<string, unknown>;
      const out: Record<string, unknown> = opts.allowUnknown ? { ...src } : {};
      for (const [k, schema] of Object.entries(shape)) {
        const child = path ? `${path}.${k}` : k;
        if (src[k] === undefined && !schema.hasDefault) {
          issues.push({ path: child, message: `is required (${schema.description})` });
          continue;
        }
        out[k] = schema.parse(src[k], child, issues);
      }
      if (!opts.allowUnknown) {
        for (const k of Object.keys(src)) {
          if (!(k in shape)) {
            issues.push({ path: path ? `${path}.${k}` : k, message: `is not an option here; allowed: ${Object.keys(shape).join(', ')}` });
          }
        }
      }
      return out as InferShape<S>;
    },
  }),
  /** Any JSON value, passed through (checked by whoever consumes it). */
  any: (): Schema<unknown> => ({ description: 'any value', parse: (v) => v }),
  optional,
  default: withDefault,
};

/** Parses `value` against `schema`, throwing one `SpecError` that lists every issue. */
export function validate<T>(schema: Schema<T>, value: unknown, path: string): T {
  const issues: SpecIssue[] = [];
  const out = schema.parse(value, path, issues);
  if (issues.length) throw new SpecError(issues);
  return out;
}
