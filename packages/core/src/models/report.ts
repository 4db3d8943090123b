import type { Registry } from '../registry/registry';

/** A table a plugin can compute over the registry, printed by `vitkit info --report <name>` (kind `report`). */
export interface Report {
  title: string;
  run(registry: Registry): { rows: Array<Record<string, unknown>>; text: string };
}
