import { readModelChoice } from './model-choice';

describe('readModelChoice', () => {
  it('takes the preset when no spec is pasted', () => {
    expect(readModelChoice('t2t_vit_7', '  \n')).toEqual({ kind: 'preset', preset: 't2t_vit_7' });
  });

  it('prefers a pasted spec: an object or a preset name', () => {
    expect(readModelChoice('t2t_vit_7', '{ "preset": "vit_tiny_patch16_224", "numClasses": 10 }')).toEqual({
      kind: 'spec',
      spec: { preset: 'vit_tiny_patch16_224', numClasses: 10 },
    });
    expect(readModelChoice('', '"crossvit_tiny_240"')).toEqual({ kind: 'spec', spec: 'crossvit_tiny_240' });
  });

  it('says what is wrong with the input', () => {
    expect(() => readModelChoice('', '')).toThrow('Model: choose a preset or paste a spec');
    expect(() => readModelChoice('t2t_vit_7', '{ preset: 1 }')).toThrow(/^Model spec: not JSON \(/);
    expect(() => readModelChoice('t2t_vit_7', '[1, 2]')).toThrow('spec: expected a preset name or an object');
  });
});
