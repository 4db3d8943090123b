import { tf } from '../tf';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import {
  attention64, expectGradientsMatch, gelu64, layerNorm64, linear64, maxAbsDiff, randomizeParameters, seededValues,
} from '../testing/gradcheck';
import { ReLU } from './activations';
import { Block } from './block';
import { Identity, Layer, Sequential } from './layer';
import { LayerNorm } from './layer-norm';
import { Linear } from './linear';
import { Mlp } from './mlp';

function mlp64(x: ArrayLike<number>, inF: number, hidden: number, p: Map<string, Float32Array>, prefix = ''): Float64Array {
  const h = linear64(x, inF, p.get(`${prefix}fc1.weight`)!, p.get(`${prefix}fc1.bias`)!).map(gelu64);
  return linear64(h, hidden, p.get(`${prefix}fc2.weight`)!, p.get(`${prefix}fc2.bias`)!);
}

describe.each(TEST_BACKENDS)('Mlp on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('is fc1 → GELU → fc2 with timm names, and matches a float64 reference', () => {
    const mlp = new Mlp(6, { hiddenFeatures: 10, outFeatures: 4 });
    expect(mlp.namedParameters().map(([n, p]) => [n, p.torchShape])).toEqual([
      ['fc1.weight', [10, 6]],
      ['fc1.bias', [10]],
      ['fc2.weight', [4, 10]],
      ['fc2.bias', [4]],
    ]);
    expect(mlp.namedModules().map(([n]) => n)).toEqual(['', 'fc1', 'act', 'fc2', 'drop']);
    const p = randomizeParameters(mlp, 4, 0.7);
    const xs = seededValues(2 * 3 * 6, 5, 2);
    const y = tf.tidy(() => mlp.forward(tf.tensor3d(xs, [2, 3, 6])));
    expect(y.shape).toEqual([2, 3, 4]);
    expect(maxAbsDiff(y.dataSync(), mlp64(xs, 6, 10, p))).toBeLessThan(3e-6);
    y.dispose();
    mlp.dispose();
  });

  it('takes a custom activation; outFeatures defaults to inFeatures', () => {
    const mlp = new Mlp(3, { hiddenFeatures: 2, act: new ReLU() });
    mlp.fc1.weight.assignFromTorch(tf.tensor2d([[1, 0, 0], [0, -1, 0]]));
    mlp.fc1.bias!.variable.assign(tf.zeros([2]));
    mlp.fc2.weight.assignFromTorch(tf.tensor2d([[1, 1], [1, 0], [0, 1]]));
    mlp.fc2.bias!.variable.assign(tf.zeros([3]));
    // h = relu([x0, −x1]) = [2, 0] for x = [2, 3, 4]; y = [h0 + h1, h0, h1]
    const y = mlp.forward(tf.tensor2d([[2, 3, 4]]));
    expect(Array.from(y.dataSync())).toEqual([2, 2, 0]);
    y.dispose();
    mlp.dispose();
  });

  it('gradients match central differences', () => {
    const mlp = new Mlp(3, { hiddenFeatures: 5 });
    randomizeParameters(mlp, 6, 0.8);
    const x = tf.variable(tf.tensor2d(seededValues(4 * 3, 7, 2), [4, 3]));
    const vars: Record<string, tf.Variable> = { x };
    for (const [name, p] of mlp.namedParameters()) vars[name] = p.variable;
    expectGradientsMatch(() => mlp.forward(x), vars);
    x.dispose();
    mlp.dispose();
  });
});

describe.each(TEST_BACKENDS)('Block on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const opts = { numHeads: 2, mlpRatio: 2, qkvBias: true, normEps: 1e-6 };

  it('has the timm names, shapes and count', () => {
    const blk = new Block(8, opts);
    expect(blk.namedParameters().map(([n, p]) => [n, p.torchShape])).toEqual([
      ['norm1.weight', [8]],
      ['norm1.bias', [8]],
      ['attn.qkv.weight', [24, 8]],
      ['attn.qkv.bias', [24]],
      ['attn.proj.weight', [8, 8]],
      ['attn.proj.bias', [8]],
      ['norm2.weight', [8]],
      ['norm2.bias', [8]],
      ['mlp.fc1.weight', [16, 8]],
      ['mlp.fc1.bias', [16]],
      ['mlp.fc2.weight', [8, 16]],
      ['mlp.fc2.bias', [8]],
    ]);
    // timm Block parameter count: 2·2C (norms) + 3C·C + 3C + C·C + C + 2·C·hC + hC + C
    const c = 8;
    const hc = 16;
    expect(blk.countParameters().total).toBe(4 * c + 3 * c * c + 3 * c + c * c + c + 2 * c * hc + hc + c);
    expect(blk.norm1.eps).toBe(1e-6);
    expect(blk.norm2.eps).toBe(1e-6);
    blk.dispose();
  });

  it('is pre-norm residual: x + attn(norm1(x)), then h + mlp(norm2(h)) (float64 reference)', () => {
    const [b, n, c] = [2, 4, 8];
    const blk = new Block(c, { ...opts, qkScale: 0.3 }).eval();
    const p = randomizeParameters(blk, 11, 0.5);
    const xs = seededValues(b * n * c, 12, 2);
    const a = attention64(layerNorm64(xs, c, 1e-6, p.get('norm1.weight')!, p.get('norm1.bias')!), b, n, c, 2, 0.3, {
      qkvW: p.get('attn.qkv.weight')!,
      qkvB: p.get('attn.qkv.bias')!,
      projW: p.get('attn.proj.weight')!,
      projB: p.get('attn.proj.bias')!,
    });
    const h = Float64Array.from(xs, (v, i) => v + a[i]);
    const m = mlp64(layerNorm64(h, c, 1e-6, p.get('norm2.weight')!, p.get('norm2.bias')!), c, 2 * c, p, 'mlp.');
    const ref = h.map((v, i) => v + m[i]);
    const y = tf.tidy(() => blk.forward(tf.tensor3d(xs, [b, n, c])));
    expect(maxAbsDiff(y.dataSync(), ref)).toBeLessThan(1e-5);
    y.dispose();
    blk.dispose();
  });

  it('is the identity when both residual branches end in zero (attn.proj and mlp.fc2 zeroed)', () => {
    const blk = new Block(4, { ...opts, numHeads: 1 });
    randomizeParameters(blk, 13, 0.5);
    for (const lin of [blk.attn.proj, blk.mlp.fc2]) {
      lin.weight.variable.assign(tf.zeros(lin.weight.shape));
      lin.bias!.variable.assign(tf.zeros(lin.bias!.shape));
    }
    const x = tf.tensor3d(seededValues(2 * 3 * 4, 14, 3), [2, 3, 4]);
    const y = blk.forward(x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, y]);
    blk.dispose();
  });

  it('gradients match central differences w.r.t. input and parameters of both branches', () => {
    const blk = new Block(4, { ...opts, numHeads: 2, mlpRatio: 1 });
    randomizeParameters(blk, 15, 0.5);
    const x = tf.variable(tf.tensor3d(seededValues(1 * 3 * 4, 16, 1.5), [1, 3, 4]));
    const pick = ['norm1.weight', 'attn.qkv.weight', 'attn.proj.bias', 'norm2.bias', 'mlp.fc1.weight', 'mlp.fc2.weight'];
    const vars: Record<string, tf.Variable> = { x };
    for (const [name, p] of blk.namedParameters()) if (pick.includes(name)) vars[name] = p.variable;
    expectGradientsMatch(() => blk.forward(x), vars, { maxPerTensor: backend === 'cpu' ? 6 : 12 });
    x.dispose();
    blk.dispose();
  });
});

/** A small Block-based classifier: linear embed, two blocks (with every dropout active), norm, mean pool, head. */
class TinyViT extends Layer {
  readonly embed = this.addModule('embed', new Linear(6, 8));
  readonly blocks = this.addModule('blocks', new Sequential([
    new Block(8, { numHeads: 2, mlpRatio: 2, qkvBias: true, normEps: 1e-6, drop: 0.1, attnDrop: 0.1, dropPath: 0.2 }),
    new Block(8, { numHeads: 2, mlpRatio: 2, qkvBias: false, normEps: 1e-6, dropPath: 0.1 }),
  ]));
  readonly norm = this.addModule('norm', new LayerNorm(8, 1e-6));
  readonly pre = this.addModule('pre', new Identity());
  readonly head = this.addModule('head', new Linear(8, 3));

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.head.forward(tf.mean(this.norm.forward(this.blocks.forward(this.embed.forward(x))), 1)));
  }
}

describe.each(TEST_BACKENDS)('tensor leaks on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('repeated forward/backward/update steps of a Block-based model leave tf.memory().numTensors unchanged', () => {
    const model = new TinyViT();
    const opt = tf.train.sgd(0.01);
    const x = tf.tensor3d(seededValues(2 * 5 * 6, 21), [2, 5, 6]);
    const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x) as tf.Tensor2D) as tf.Scalar, model.trainableVariables());
      opt.applyGradients(grads);
      const loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    };
    step(); // the optimizer allocates its learning-rate scalar on the first step
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      losses.push(step());
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    // eval forwards do not leak either
    model.eval();
    for (let i = 0; i < 2; i++) tf.dispose(model.forward(x));
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([x, labels]);
    model.dispose();
  });
});
