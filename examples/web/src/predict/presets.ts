import type { Registry } from '@vitkit/core';

export interface PresetOption {
  name: string;
  description: string;
  /** Has published weights (an official eval transform and ImageNet class names). */
  published: boolean;
}

/** The image-classifier presets of the registry (segmenters left out), those with published weights first. */
export function classifierPresets(registry: Registry): PresetOption[] {
  return registry
    .listModels()
    .map((name) => ({ name, def: registry.preset(name) }))
    .filter(({ def }) => def !== undefined && (def.kind ?? 'backbone') === 'backbone')
    .map(({ name, def }) => ({ name, description: def?.description ?? '', published: def?.pretrained !== undefined }))
    .sort((a, b) => Number(b.published) - Number(a.published) || a.name.localeCompare(b.name));
}
