import { SpecError } from '@vitkit/core';
import type { ModelSpec } from '@vitkit/core';

/** What the user asked for: a preset from the list, or a spec pasted as JSON (which wins when given). */
export type ModelChoice = { kind: 'preset'; preset: string } | { kind: 'spec'; spec: ModelSpec };

export function readModelChoice(preset: string, specText: string): ModelChoice {
  if (!specText.trim()) {
    if (!preset) throw new Error('Model: choose a preset or paste a spec');
    return { kind: 'preset', preset };
  }
  let spec: unknown;
  try {
    spec = JSON.parse(specText);
  } catch (e) {
    throw new Error(`Model spec: not JSON (${(e as Error).message})`);
  }
  if (typeof spec !== 'string' && (spec === null || typeof spec !== 'object' || Array.isArray(spec))) {
    throw new SpecError([{ path: 'spec', message: 'expected a preset name or an object such as { "preset": "t2t_vit_7" } or { "type": "vit", ... }' }]);
  }
  return { kind: 'spec', spec: spec as ModelSpec };
}
