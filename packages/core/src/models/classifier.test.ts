import { tf } from '../tf';
import { Linear } from '../nn/linear';
import { s } from '../spec/schema';
import { createRegistry } from '../registry/create-registry';
import { useBackend } from '../testing/backends';
import type { BuildContext, ComponentSpec } from '../registry/types';
import { Classifier } from './classifier';
import type { ImageModelConfig } from './contracts';

/** A toy backbone: one projection per "branch" of the flattened image; the registry builds its head(s). */
class Toy extends Classifier {
  readonly config: ImageModelConfig;
  readonly branches: Linear[];

  constructor(readonly options: { numClasses: number; widths: number[]; head: ComponentSpec; headName: string }, ctx: BuildContext) {
    super();
    this.config = { inputSize: [2, 2], inChans: 1, numClasses: options.numClasses };
    this.branches = options.widths.map((w, i) => this.addModule(`proj${i}`, new Linear(4, w)));
    this.mountHead(ctx, options.head, options.widths, options.headName);
  }

  forwardPreLogits(x: tf.Tensor4D): tf.Tensor2D[] {
    return tf.tidy(() => this.branches.map((b) => b.forward(tf.reshape(x, [x.shape[0], 4])) as tf.Tensor2D));
  }
}

function registry() {
  const r = createRegistry();
  r.register({
    kind: 'backbone',
    name: 'toy',
    owner: '@test',
    description: '',
    options: s.object({ numClasses: s.int({ min: 0 }), widths: s.array(s.int({ min: 1 })), head: s.default(s.component('head'), 'linear'), headName: s.default(s.string(), 'head') }),
    create: (o, ctx) => new Toy(o, ctx),
  });
  return r;
}

describe('Classifier', () => {
  beforeAll(() => useBackend('cpu'));

  it('mounts one registered head under the given name, last in the state dict', () => {
    const m = registry().build('backbone', { type: 'toy', numClasses: 3, widths: [5], headName: 'fc' }, 'model');
    expect(m.namedParameters().map(([n, p]) => [n, p.torchShape])).toEqual([
      ['proj0.weight', [5, 4]],
      ['proj0.bias', [5]],
      ['fc.weight', [3, 5]],
      ['fc.bias', [3]],
    ]);
    m.dispose();
  });

  it('several feature vectors: one head each (head.0, head.1), logits averaged', () => {
    const m = registry().build('backbone', { type: 'toy', numClasses: 2, widths: [3, 6] }, 'model') as Toy;
    expect(m.namedParameters().map(([n]) => n).filter((n) => n.startsWith('head'))).toEqual(['head.0.weight', 'head.0.bias', 'head.1.weight', 'head.1.bias']);
    const x = tf.randomUniform([2, 2, 2, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const diff = tf.tidy(() => {
      const [a, b] = m.forwardPreLogits(x);
      const want = tf.div(tf.add(m.heads[0].forward(a), m.heads[1].forward(b)), 2);
      return tf.max(tf.abs(tf.sub(m.forward(x), want))).dataSync()[0];
    });
    expect(diff).toBe(0);
    m.dispose();
  });

  it('a head spec error is reported at the head path', () => {
    expect(() => registry().build('backbone', { type: 'toy', numClasses: 2, widths: [3], head: { type: 'linear', initStd: -1 } }, 'model')).toThrow(
      'model.head.initStd: -1 is not valid; expected a number > 0',
    );
    expect(() => registry().build('backbone', { type: 'toy', numClasses: 2, widths: [3], head: 'mlp' }, 'model')).toThrow('model.head.type: "mlp" is not registered as a head; registered: linear');
  });

  it('resetClassifier rebuilds the same head spec for a new class count', () => {
    const m = registry().build('backbone', { type: 'toy', numClasses: 2, widths: [3, 6], head: { type: 'linear', init: 'torch' } }, 'model') as Toy;
    const before = tf.memory().numTensors;
    m.resetClassifier(0);
    expect(m.config.numClasses).toBe(0);
    expect(m.options.numClasses).toBe(0);
    expect(tf.memory().numTensors).toBe(before - 4); // 0 classes: Identity heads, no parameters
    m.resetClassifier(4);
    expect(m.namedParameters().filter(([n]) => n.startsWith('head')).map(([, p]) => p.torchShape)).toEqual([[4, 3], [4], [4, 6], [4]]);
    m.dispose();
  });
});
