import { createRegistry, SpecError, validate } from '@vitkit/core';
import { plugin as data } from '@vitkit/data';
import { parseTrainSpec, trainSpecSchema } from './spec';
import { plugin as trainer } from './index';

const BASE = { model: 'vit_s_bench_32', data: { train: { type: 'synthetic' }, test: 'synthetic' }, train: { epochs: 1 } };

function issues(raw: unknown): Array<{ path: string; message: string }> {
  try {
    parseTrainSpec(raw);
  } catch (e) {
    if (e instanceof SpecError) return e.issues;
    throw e;
  }
  return [];
}

describe('train spec schema', () => {
  it('fills the component defaults; the spec type is the schema type', () => {
    const spec = parseTrainSpec(BASE);
    if (spec.task !== 'classification') throw new Error(`parsed as ${spec.task}`);
    expect(spec.train.optimizer).toEqual({ type: 'adamw' });
    expect(spec.train.loss).toEqual({ type: 'cross-entropy' });
    expect(spec.data.transforms).toEqual([]);
  });

  it('sub-components are component specs: a wrong shape is named by path', () => {
    expect(issues({ ...BASE, model: 42, train: { epochs: 1, optimizer: 3, schedule: { lr: 1 } }, data: { ...BASE.data, transforms: ['mixup', [1]] } })).toEqual([
      { path: 'model', message: '42 is not a model spec; expected a preset name or an object' },
      { path: 'data.transforms[1]', message: '[1] is not valid; expected a transform or batch-transform spec (a registered transform or batch-transform name or { "type": <name>, ...options })' },
      { path: 'train.optimizer', message: '3 is not valid; expected an optimizer spec (a registered optimizer name or { "type": <name>, ...options })' },
      { path: 'train.schedule.type', message: 'missing is not valid; expected the name of a registered schedule' },
    ]);
  });

  it('validated with a registry, unknown component names are reported where written (a transform list may name batch transforms)', () => {
    const registry = createRegistry({ plugins: [data, trainer] });
    expect(() => validate(trainSpecSchema, { ...BASE, data: { ...BASE.data, transforms: ['horizontal-flip', 'mixup'] } }, '', { registry })).not.toThrow();
    expect(() => validate(trainSpecSchema, { ...BASE, train: { epochs: 1, loss: 'focal' } }, '', { registry })).toThrow(
      'train.loss.type: "focal" is not registered as a loss; registered: cross-entropy, pixel-cross-entropy, soft-target-cross-entropy',
    );
  });
});

describe('segmentation spec schema ("task": "segmentation")', () => {
  const SEG = { task: 'segmentation', model: 'vt_fpn_resnet50', data: { type: 'mnist-segmentation' }, train: { epochs: 1 } };

  it('shares the train section with classification; the default loss is per-pixel cross-entropy', () => {
    const spec = parseTrainSpec(SEG);
    if (spec.task !== 'segmentation') throw new Error(`parsed as ${spec.task}`);
    expect(spec.train.optimizer).toEqual({ type: 'adamw' });
    expect(spec.train.schedule).toEqual({ type: 'cosine' });
    expect(spec.train.loss).toEqual({ type: 'pixel-cross-entropy' });
    expect(spec.train.divergence.enabled).toBe(true);
    expect(spec.data).toMatchObject({ batchSize: 8, cropPadding: 0, flip: false });
    expect(spec.report).toEqual({ images: 4 });
  });

  it('names the keys of the former segmentation recipe where they were written (SGD options now live in train.optimizer)', () => {
    expect(issues({ ...SEG, train: { epochs: 1, lr: 0.01, maxMinutes: 7 }, output: { dir: 'x' } })).toEqual([
      { path: 'train.lr', message: expect.stringContaining('is not an option here; allowed: epochs, optimizer, schedule, loss') },
      { path: 'train.maxMinutes', message: expect.stringContaining('is not an option here') },
      { path: 'output', message: expect.stringContaining('is not an option here') },
    ]);
    expect(issues({ ...SEG, train: { epochs: 1, distillation: {} } })).toEqual([{ path: 'train.distillation', message: expect.stringContaining('is not an option here') }]);
  });
});
