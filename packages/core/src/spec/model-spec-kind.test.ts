import { Registry } from '../registry/registry';
import { s } from './schema';
import { buildModel, buildSegmenter, modelSpecKind } from './model-spec';

function registry(): Registry {
  const r = new Registry();
  const create = (o: Record<string, unknown>) => ({ built: o });
  r.register({ kind: 'backbone', name: 'toy', owner: 'test', description: '', options: s.object({ n: s.default(s.int({ min: 1 }), 1) }), create });
  r.register({ kind: 'segmenter', name: 'toy-seg', owner: 'test', description: '', options: s.object({ n: s.default(s.int({ min: 1 }), 1) }), create });
  r.registerPreset({ name: 'toy_seg_preset', owner: 'test', description: '', kind: 'segmenter', spec: { type: 'toy-seg', n: 2 } });
  r.registerPreset({ name: 'toy_preset', owner: 'test', description: '', spec: { type: 'toy' } });
  return r;
}

describe('segmentation presets and specs', () => {
  it('modelSpecKind tells segmentation presets and types from classifiers', () => {
    const r = registry();
    expect(modelSpecKind(r, 'toy_seg_preset')).toBe('segmenter');
    expect(modelSpecKind(r, { preset: 'toy_seg_preset', n: 3 })).toBe('segmenter');
    expect(modelSpecKind(r, { type: 'toy-seg' })).toBe('segmenter');
    expect(modelSpecKind(r, 'toy_preset')).toBe('backbone');
    expect(modelSpecKind(r, { type: 'toy' })).toBe('backbone');
  });

  it('buildSegmenter builds a segmentation preset with overrides; buildModel refuses it with a pointer', () => {
    const r = registry();
    expect(buildSegmenter(r, { preset: 'toy_seg_preset', n: 5 })).toEqual({ built: { n: 5 } });
    expect(() => buildModel(r, 'toy_seg_preset')).toThrow('model: "toy_seg_preset" is a segmentation model (kind segmenter): build it with buildSegmenter, count it with segmentationInfo');
  });
});
