import type { ComponentKind, ComponentSpec } from '../registry/types';
import { describeValue, SpecError, SpecIssue } from './errors';

/** What validation may consult besides the value: the registry, so a sub-component's `type` is checked where it is written. */
export interface ParseContext {
  registry?: { has(kind: string, name: string): boolean; names(kind: string): string[] };
}

/**
 * A small validator for component options. `parse` returns the value with defaults filled in and pushes
 * every problem (with its exact path) to `issues` instead of stopping at the first.
 */
export interface Schema<T> {
  readonly description: string;
  readonly hasDefault?: boolean;
  /** For object schemas: the option names it accepts. */
  readonly keys?: readonly string[];
  parse(value: unknown, path: string, issues: SpecIssue[], ctx?: ParseContext): T;
}

/** The value type a schema produces: `type VitOptions = SchemaType<typeof vitOptions>`. */
export type SchemaType<S> = S extends Schema<infer T> ? T : never;

type Infer<S> = S extends Schema<infer T> ? T : never;
/** Keys whose schema is `s.optional(...)`: optional properties of the inferred type (`s.any()` stays required). */
type OptionalKeys<S> = { [K in keyof S]: undefined extends Infer<S[K]> ? (unknown extends Infer<S[K]> ? never : K) : never }[keyof S];
type Flatten<T> = { [K in keyof T]: T[K] };
export type InferShape<S extends Record<string, Schema<unknown>>> = Flatten<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

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
    parse(v, path, issues, ctx) {
      if (v === undefined) return structuredClone(value);
      return inner.parse(v, path, issues, ctx);
    },
  };
}

function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    description: `${inner.description} (optional)`,
    hasDefault: true,
    parse(v, path, issues, ctx) {
      if (v === undefined || v === null) return undefined;
      return inner.parse(v, path, issues, ctx);
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
    parse(v, path, issues, ctx) {
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
      return v.map((x, i) => item.parse(x, `${path}[${i}]`, issues, ctx));
    },
  }),
  object: <S extends Record<string, Schema<unknown>>>(shape: S, opts: { allowUnknown?: boolean } = {}): Schema<InferShape<S>> => ({
    description: `an object with ${Object.keys(shape).join(', ')}`,
    keys: Object.keys(shape),
    parse(v, path, issues, ctx) {
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
        out[k] = schema.parse(src[k], child, issues, ctx);
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
  component,
  oneOrArray,
  optional,
  default: withDefault,
};

/**
 * A sub-component spec of `kind`: a registered name or `{ type, ...options }`. The `type` is checked against the
 * registry where the spec is written (its options are validated by the component's own schema when it is built).
 */
function component<K extends ComponentKind>(kind: K): Schema<ComponentSpec> {
  const description = `a ${kind} spec (a registered ${kind} name or { "type": <name>, ...options })`;
  return {
    description,
    parse(v, path, issues, ctx) {
      const isObject = typeof v === 'object' && v !== null && !Array.isArray(v);
      const type = typeof v === 'string' ? v : isObject ? (v as { type?: unknown }).type : undefined;
      if (!isObject && typeof v !== 'string') {
        issue(issues, path, v, description);
      } else if (typeof type !== 'string') {
        issues.push({ path: `${path}.type`, message: `${describeValue(type)} is not valid; expected the name of a registered ${kind}` });
      } else if (ctx?.registry && !ctx.registry.has(kind, type)) {
        issues.push({ path: `${path}.type`, message: `${describeValue(type)} is not registered as a ${kind}; registered: ${ctx.registry.names(kind).join(', ') || '(none)'}` });
      }
      return v as ComponentSpec;
    },
  };
}

/** One value for every entry (a branch, a stage) or an array with one each. */
function oneOrArray<T>(item: Schema<T>): Schema<T | T[]> {
  return {
    description: `${item.description}, or an array of them`,
    parse(v, path, issues, ctx) {
      return Array.isArray(v) ? v.map((x, i) => item.parse(x, `${path}[${i}]`, issues, ctx)) : item.parse(v, path, issues, ctx);
    },
  };
}

/** Parses `value` against `schema`, throwing one `SpecError` that lists every issue. */
export function validate<T>(schema: Schema<T>, value: unknown, path: string, ctx?: ParseContext): T {
  const issues: SpecIssue[] = [];
  const out = schema.parse(value, path, issues, ctx);
  if (issues.length) throw new SpecError(issues);
  return out;
}
