import { promises as fs } from 'fs';
import * as path from 'path';
import type { ModelSpec } from './model-spec';
import { SpecError } from './errors';

/** A spec file: the plugins it needs, the model, and whatever else its consumers (data, trainer) read. */
export interface RunSpec {
  plugins?: string[];
  model: ModelSpec;
  [section: string]: unknown;
}

export interface LoadedRunSpec {
  spec: RunSpec;
  /** Folder relative plugin paths resolve against. */
  baseDir: string;
  /** The file it came from, or `preset:<name>`. */
  source: string;
}

function looksLikeFile(ref: string): boolean {
  return ref.endsWith('.json') || ref.includes('/') || ref.includes(path.sep);
}

/** Accepts a preset name, a path to a JSON spec, or a spec object. A file holding just a model spec is accepted too. */
export async function loadRunSpec(ref: string | RunSpec | ModelSpec, cwd = process.cwd()): Promise<LoadedRunSpec> {
  if (typeof ref !== 'string') {
    const obj = ref as Record<string, unknown>;
    const spec = ('model' in obj ? obj : { model: obj }) as RunSpec;
    return { spec, baseDir: cwd, source: '<object>' };
  }
  if (!looksLikeFile(ref)) return { spec: { model: ref }, baseDir: cwd, source: `preset:${ref}` };
  const file = path.resolve(cwd, ref);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new SpecError([{ path: file, message: `cannot read spec file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SpecError([{ path: file, message: `is not valid JSON: ${(e as Error).message}` }]);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SpecError([{ path: file, message: 'must hold a JSON object' }]);
  }
  const obj = json as Record<string, unknown>;
  const spec = ('model' in obj ? obj : { model: obj }) as RunSpec;
  if (spec.plugins !== undefined && (!Array.isArray(spec.plugins) || spec.plugins.some((p) => typeof p !== 'string'))) {
    throw new SpecError([{ path: 'plugins', message: 'must be an array of package names or paths' }]);
  }
  return { spec, baseDir: path.dirname(file), source: file };
}
