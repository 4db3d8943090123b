/**
 * What the unpickler builds. Python values map to plain JavaScript ones: None → null, bool, int → number (bigint
 * past 2^53), float → number, str → string, bytes → Uint8Array, list and tuple → array, dict → Map. Globals are
 * never imported: the resolver answers with one of the classes below.
 */

/** A global the reader knows how to build, e.g. `collections.OrderedDict` or `torch._utils._rebuild_tensor_v2`. */
export class PyCallable {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/**
 * A global the reader does not know but tolerates (e.g. `argparse.Namespace` in a training checkpoint's `args`):
 * calling it makes an {@link OpaqueObject}, never runs anything.
 */
export class OpaqueGlobal {
  constructor(readonly qualifiedName: string) {}
}

/** Placeholder for an object of an unknown class. It is never a tensor; a weight entry holding one is an error. */
export class OpaqueObject {
  constructor(readonly qualifiedName: string) {}
  toString(): string {
    return `<${this.qualifiedName} object>`;
  }
}

export type PyDict = Map<unknown, unknown>;

export function isPyDict(x: unknown): x is PyDict {
  return x instanceof Map;
}

/** Short description of a pickled value for error messages. */
export function describePickled(x: unknown): string {
  if (x === null) return 'None';
  if (x instanceof Map) return `dict (${x.size} entries)`;
  if (Array.isArray(x)) return `list/tuple (${x.length} items)`;
  if (x instanceof Uint8Array) return `bytes (${x.length})`;
  if (x instanceof OpaqueObject) return `a ${x.qualifiedName} object`;
  if (x instanceof PyCallable || x instanceof OpaqueGlobal) return `the global ${x.qualifiedName}`;
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return `${typeof x} ${String(x).slice(0, 40)}`;
}
