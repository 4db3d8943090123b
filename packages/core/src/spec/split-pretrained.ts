import type { WeightsChoice } from '../io/pth/checkpoint-layout';
import { describeValue, SpecError } from './errors';
import type { ModelSpec } from './model-spec';

/**
 * `model.pretrained` of a spec: a weights file (safetensors, `.pth`, `.pth.tar`; relative to the spec file) or
 * `{ path, weights?: "auto" | "ema" | "live", strict?: boolean }`.
 */
export interface PretrainedSpec {
  path: string;
  weights?: WeightsChoice;
  strict?: boolean;
}

type Json = Record<string, unknown>;

/** Separates `pretrained` from the rest of a model spec (which the registry builds), validating it. */
export function splitPretrained(spec: ModelSpec, where = 'model'): { spec: ModelSpec; pretrained?: PretrainedSpec } {
  if (typeof spec !== 'object' || spec === null || !('pretrained' in spec)) return { spec };
  const { pretrained: raw, ...rest } = spec as Json;
  const at = `${where}.pretrained`;
  const issue = (p: string, message: string) => new SpecError([{ path: p, message }]);
  if (typeof raw === 'string') {
    if (!raw) throw issue(at, 'must name a weights file');
    return { spec: rest as ModelSpec, pretrained: { path: raw } };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw issue(at, `${describeValue(raw)} is not a file path or { path, weights, strict }`);
  const o = raw as Json;
  for (const k of Object.keys(o)) if (!['path', 'weights', 'strict'].includes(k)) throw issue(`${at}.${k}`, 'is not an option of pretrained (path, weights, strict)');
  if (typeof o.path !== 'string' || !o.path) throw issue(`${at}.path`, `${describeValue(o.path)} is not a file path`);
  if (o.weights !== undefined && !['auto', 'ema', 'live'].includes(o.weights as string)) throw issue(`${at}.weights`, `${describeValue(o.weights)} is not one of auto, ema, live`);
  if (o.strict !== undefined && typeof o.strict !== 'boolean') throw issue(`${at}.strict`, `${describeValue(o.strict)} is not a boolean`);
  return { spec: rest as ModelSpec, pretrained: { path: o.path, weights: o.weights as WeightsChoice | undefined, strict: o.strict as boolean | undefined } };
}
