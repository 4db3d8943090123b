import { buildModel, selectBackend, tf } from '@vitkit/core';
import { mean, TINY, trainTiny, vtRegistry } from '../testing';

/** Every tokenizer and every ablation option, built from a spec, trained on both backends. */
const CONFIGS: Array<[string, Record<string, unknown>]> = [
  ['filter + recurrent (default)', {}],
  ['clustering + recurrent', { tokenizer: { type: 'clustering', iterations: 3 } }],
  ['pooling + recurrent', { tokenizer: 'pooling' }],
  ['filter, no recurrent (Table 4 w/o RT)', { recurrent: false }],
  ['no projector (Table 7)', { projector: false }],
  ['graph convolution (Table 5)', { interaction: 'graph-conv' }],
  ['no token interaction (Table 5)', { interaction: 'none' }],
];

const STEPS = 30;

describe.each(['wasm', 'cpu'] as const)('vt-resnet training on %s', (backend) => {
  beforeAll(() => selectBackend(backend, { quiet: true }));

  it.each(CONFIGS)('%s: loss falls over 30 steps, no tensor leak', (_name, extra) => {
    const model = buildModel(vtRegistry(), { ...TINY, ...extra } as { type: string });
    const { losses, tensors, trained, convs } = trainTiny(model, STEPS);
    console.log(`[${backend}] ${_name}: ${trained} trained params (convs ${convs ? 'trained' : 'frozen'}), loss ${losses[0].toFixed(3)} → ${losses[STEPS - 1].toFixed(3)}, tensors ${tensors[2]} → ${tensors[STEPS - 1]}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-3))).toBeLessThan(0.6 * mean(losses.slice(0, 3)));
    for (const n of tensors.slice(2)) expect(n).toBe(tensors[1]);
    model.dispose();
    // Nothing of the model is left once it is disposed (the optimizer's slots were disposed too).
  });

  it('clustering tokenizer passes gradients to the feature map (centroids are differentiable)', () => {
    const model = buildModel(vtRegistry(), { ...TINY, tokenizer: 'clustering', vtModules: 1 } as { type: string });
    const bn = model.namedParameters().find(([n]) => n === 'layer3.0.bn2.weight')![1];
    const g = tf.tidy(() => {
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.forward(x))) as tf.Scalar, [bn.variable]);
      return tf.sum(tf.abs(grads[bn.variable.name])).dataSync()[0];
    });
    expect(g).toBeGreaterThan(0);
    model.dispose();
  });
});
