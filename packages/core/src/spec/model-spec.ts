import type { ImageClassifier } from '../models/contracts';
import type { SegmentationModel } from '../registry/kinds';
import type { Registry } from '../registry/registry';
import { describeValue, SpecError } from './errors';
import type { Schema } from './schema';

/** A model in a spec: a preset name, a preset with overrides, or a full `{ type: <backbone>, ... }`. */
export type ModelSpec = string | ({ preset: string } & Record<string, unknown>) | ({ type: string } & Record<string, unknown>);

type Json = Record<string, unknown>;

/**
 * A model spec inside a larger spec (a run's `model`, a distillation teacher): a preset name or an object. Its
 * preset or backbone and options are checked when it is built (`buildModel`), with the same path.
 */
export const modelSpecSchema: Schema<ModelSpec> = {
  description: 'a model spec (a preset name, { "preset": <name>, ...overrides } or { "type": <backbone>, ...options })',
  parse(v, path, issues) {
    if (typeof v !== 'string' && !isPlainObject(v)) issues.push({ path, message: `${describeValue(v)} is not a model spec; expected a preset name or an object` });
    return v as ModelSpec;
  },
};

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge for overrides: objects merge key by key, arrays and scalars replace. */
export function mergeSpec(base: Json, override: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(override)) {
    out[k] = isPlainObject(v) && isPlainObject(base[k]) ? mergeSpec(base[k] as Json, v) : v;
  }
  return out;
}

/** Expands presets into a plain backbone spec. */
export function resolveModelSpec(registry: Registry, spec: ModelSpec, path = 'model'): { type: string } & Json {
  if (typeof spec === 'string') spec = { preset: spec };
  if (!isPlainObject(spec)) {
    throw new SpecError([{ path, message: `${describeValue(spec)} is not a model spec; expected a preset name or an object` }]);
  }
  if ('preset' in spec) {
    const { preset, ...overrides } = spec as { preset: unknown } & Json;
    const def = typeof preset === 'string' ? registry.preset(preset) : undefined;
    if (!def) {
      const near = typeof preset === 'string' ? registry.listModels(`*${preset.split(/[_-]/)[0]}*`) : [];
      const known = registry.listModels();
      throw new SpecError([
        {
          path: `${path}.preset`,
          message: `${describeValue(preset)} is not a registered preset; ${near.length ? `similar: ${near.slice(0, 12).join(', ')}` : `registered: ${known.slice(0, 30).join(', ') || '(none)'}`}`,
        },
      ]);
    }
    return mergeSpec(def.spec, overrides) as { type: string } & Json;
  }
  return spec as { type: string } & Json;
}

/** Builds a complete model from a spec through the registry (a fresh child container per build). */
export function buildModel(registry: Registry, spec: ModelSpec, path = 'model'): ImageClassifier {
  if (modelSpecKind(registry, spec) === 'segmenter') {
    throw new SpecError([{ path, message: `${describeValue(typeof spec === 'string' ? spec : (spec as Json).preset ?? (spec as Json).type)} is a segmentation model (kind segmenter): build it with buildSegmenter, count it with segmentationInfo` }]);
  }
  const resolved = resolveModelSpec(registry, spec, path);
  if ('pretrained' in resolved) {
    // Silently random weights would be worse than an error.
    throw new SpecError([{ path: `${path}.pretrained`, message: 'loads weights from a file: build this spec with buildPretrainedModel (async; the trainer and the CLI do)' }]);
  }
  return registry.build<ImageClassifier>('backbone', resolved, path);
}

/** Builds a segmentation model (kind `segmenter`: backbone → neck → seg head) from a preset name or spec. */
export function buildSegmenter(registry: Registry, spec: ModelSpec, path = 'model'): SegmentationModel {
  return registry.build('segmenter', resolveModelSpec(registry, spec, path), path);
}

/** The kind a model spec builds: `segmenter` for a segmentation preset or a registered segmenter type, else `backbone`. */
export function modelSpecKind(registry: Registry, spec: ModelSpec): 'backbone' | 'segmenter' {
  const name = typeof spec === 'string' ? spec : isPlainObject(spec) && typeof spec.preset === 'string' ? spec.preset : undefined;
  if (name !== undefined) return registry.preset(name)?.kind ?? 'backbone';
  const type = isPlainObject(spec) ? spec.type : undefined;
  return typeof type === 'string' && !registry.has('backbone', type) && registry.has('segmenter', type) ? 'segmenter' : 'backbone';
}
