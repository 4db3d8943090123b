import * as path from 'path';
import { canUnfold, createRegistry, loadStateDict, readSafetensors, selectBackend, SpecError, tf } from '@vitkit/core';
import type { HostTensor, TensorMap } from '@vitkit/core';
import { LayerNorm } from '@vitkit/core';
import { fixturePath, TEST_BACKENDS } from '@vitkit/core/testing';
import { ConvolutionT2TTokenizer, createT2TTokenizer, PerformerT2TTokenizer, registerT2T, softSplit, T2TTokenizer, t2tOptions, TransformerT2TTokenizer } from './index';

const FIXTURES = fixturePath();

/** The fixtures' constructor: T2T_ViT(img_size=64, embed_dim=64, token_dim=32, ...). */
const FIXTURE_T2T = { imgSize: 64, embedDim: 64, tokenDim: 32 };

function subDict(tensors: TensorMap, prefix: string): TensorMap {
  const out: TensorMap = new Map();
  for (const [k, v] of tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

function hostToTensor(t: HostTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Straightforward reference unfold in plain JS (NCHW input, returns [B, C·k², L]) to check the op-based one. */
function naiveUnfold(x: Float32Array, [b, c, h, w]: number[], k: number, s: number, p: number): { data: Float32Array; shape: number[] } {
  const ho = Math.floor((h + 2 * p - k) / s) + 1;
  const wo = Math.floor((w + 2 * p - k) / s) + 1;
  const f = c * k * k;
  const out = new Float32Array(b * f * ho * wo);
  for (let bi = 0; bi < b; bi++)
    for (let ci = 0; ci < c; ci++)
      for (let ki = 0; ki < k; ki++)
        for (let kj = 0; kj < k; kj++)
          for (let oy = 0; oy < ho; oy++)
            for (let ox = 0; ox < wo; ox++) {
              const y = oy * s - p + ki;
              const xx = ox * s - p + kj;
              const v = y >= 0 && y < h && xx >= 0 && xx < w ? x[((bi * c + ci) * h + y) * w + xx] : 0;
              out[((bi * f + ci * k * k + ki * k + kj) * ho + oy) * wo + ox] = v;
            }
  return { data: out, shape: [b, f, ho * wo] };
}

describe.each(TEST_BACKENDS)('t2t tokenizer on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, { quiet: true });
  });

  it('soft split matches a direct unfold (ordering c·k² + ki·k + kj, zero padding, odd sizes)', () => {
    const cases: Array<[number[], number, number, number]> = [
      [[2, 3, 13, 13], 7, 4, 2],
      [[1, 4, 9, 11], 3, 2, 1],
      [[1, 2, 8, 8], 3, 1, 1],
      [[1, 2, 10, 10], 4, 3, 0],
    ];
    for (const [shape, k, s, p] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + i * 1e-3);
      const ref = naiveUnfold(data, shape, k, s, p);
      // 'kernel' where the engine has one (native): core's unfold
      for (const impl of ['slice', 'conv', 'dense', 'auto', ...(canUnfold() ? (['kernel'] as const) : [])] as const) {
        const diff = tf.tidy(() => {
          const nhwc = tf.transpose(tf.tensor4d(data, shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;
          const ours = tf.transpose(softSplit(nhwc, k, s, p, impl), [0, 2, 1]);
          expect(ours.shape).toEqual(ref.shape);
          return maxAbsDiff(ours, tf.tensor(ref.data, ref.shape));
        });
        expect({ impl, diff }).toEqual({ impl, diff: 0 });
      }
    }
  });

  const names = backend !== 'cpu' ? ['t2t_tiny_performer_rand', 't2t_tiny_transformer_rand', 't2t_tiny_performer', 't2t_tiny_transformer'] : ['t2t_tiny_performer_rand', 't2t_tiny_transformer_rand'];
  it.each(names)(
    'reproduces the tokens_to_token debug activations of %s',
    async (name) => {
      const { tensors } = await readSafetensors(path.join(FIXTURES, `${name}.safetensors`));
      const { tensors: dbg } = await readSafetensors(path.join(FIXTURES, 'debug', `${name}.debug.safetensors`));
      const attention = name.includes('performer') ? 'performer' : 'transformer';
      const tok = createT2TTokenizer(t2tOptions({ ...FIXTURE_T2T, attention }));
      loadStateDict(tok, subDict(tensors, 'tokens_to_token.'), { strict: true, source: name });
      tok.eval();
      const input = tf.tidy(() => tf.transpose(hostToTensor(tensors.get('__input__')!), [0, 2, 3, 1]) as tf.Tensor4D);
      const acts = tok.debugForward(input);
      const report: Record<string, number> = {};
      for (const [k, v] of acts) {
        const ref = dbg.get(`__dbg__.${k}`);
        expect(ref).toBeDefined();
        const r = hostToTensor(ref!);
        expect(v.shape).toEqual(r.shape);
        report[k] = maxAbsDiff(v, r);
        r.dispose();
      }
      for (const v of acts.values()) v.dispose();
      input.dispose();
      tok.dispose();
      console.log(`${backend} ${name}: max|diff| per activation ${JSON.stringify(report)}`);
      for (const [k, d] of Object.entries(report)) {
        if (d > 1e-4) throw new Error(`${name}: ${k} differs by ${d}`);
      }
    },
  );

  it('soft split gradients equal the adjoint of unfold (fold), for every formulation the backend can train', () => {
    // d/dx Σ unfold(x)·R = fold(R): every pixel collects the weights of the patch elements that read it.
    const shape: [number, number, number, number] = [2, 9, 9, 3];
    const [k, s, p] = [3, 2, 1];
    const n = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => Math.cos(i)), shape);
    const ho = Math.floor((9 + 2 * p - k) / s) + 1;
    const rData = Float32Array.from({ length: 2 * ho * ho * 3 * k * k }, (_, i) => Math.sin(0.1 * i));
    const r = tf.tensor3d(rData, [2, ho * ho, 3 * k * k]);
    // wasm has no DepthwiseConv2dNativeBackpropInput: 'conv' is not trained there ('auto' is 'dense' or 'slice').
    const impls = backend === 'wasm' ? (['slice', 'dense', 'auto'] as const) : (['slice', 'conv', 'dense', 'auto', ...(canUnfold() ? (['kernel'] as const) : [])] as const);
    const grads = impls.map((impl) => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(softSplit(xx as tf.Tensor4D, k, s, p, impl), r)))(x));
    // independent fold in plain JS (NHWC)
    const want = new Float32Array(n);
    for (let b = 0; b < 2; b++)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < ho; ox++)
          for (let c = 0; c < 3; c++)
            for (let ki = 0; ki < k; ki++)
              for (let kj = 0; kj < k; kj++) {
                const y = oy * s - p + ki;
                const xx = ox * s - p + kj;
                if (y < 0 || y >= 9 || xx < 0 || xx >= 9) continue;
                want[((b * 9 + y) * 9 + xx) * 3 + c] += rData[(b * ho * ho + oy * ho + ox) * 3 * k * k + c * k * k + ki * k + kj];
              }
    const wantT = tf.tensor4d(want, shape);
    for (const g of grads) expect(maxAbsDiff(g, wantT)).toBeLessThan(1e-5);
    tf.dispose([x, r, wantT, ...grads]);
  });

  it('every LayerNorm of the T2T layers uses eps 1e-5', () => {
    for (const attention of ['performer', 'transformer'] as const) {
      const tok = createT2TTokenizer(t2tOptions({ imgSize: 32, embedDim: 16, tokenDim: 8, attention }));
      const norms = tok.namedModules().filter(([, m]) => m instanceof LayerNorm) as Array<[string, LayerNorm]>;
      expect(norms.map(([n]) => n)).toEqual(['attention1.norm1', 'attention1.norm2', 'attention2.norm1', 'attention2.norm2']);
      for (const [, m] of norms) expect(m.eps).toBe(1e-5);
      tok.dispose();
    }
  });
});

describe('t2t tokenizer through the registry', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });
  const registry = createRegistry({ plugins: [{ name: 't2t-test', register: (r) => registerT2T(r) }] });

  it('builds with the official defaults: (7,4,2),(3,2,1),(3,2,1), 64-d T2T layers, 196 tokens at 224', () => {
    const tok = registry.build<T2TTokenizer>('tokenizer', { type: 't2t', imgSize: 224, embedDim: 384 }, 'model.tokenizer');
    expect(tok.numTokens).toBe(196);
    expect(tok.embedDim).toBe(384);
    const shapes = Object.fromEntries(tok.namedParameters().map(([n, p]) => [n, p.torchShape]));
    expect(shapes['attention1.w']).toEqual([32, 64]);
    expect(shapes['attention1.kqv.weight']).toEqual([192, 147]);
    expect(shapes['attention2.kqv.weight']).toEqual([192, 576]);
    expect(shapes['project.weight']).toEqual([384, 576]);
    expect(tok.namedParameters().filter(([, p]) => !p.trainable).map(([n]) => n)).toEqual(['attention1.w', 'attention2.w']);
    tok.dispose();
  });

  it('works for other image sizes and widths (e.g. a CrossViT branch): 240 px with strides (4,3,1) → 20×20 tokens', () => {
    const tok = registry.build<T2TTokenizer>(
      'tokenizer',
      { type: 't2t', imgSize: 240, embedDim: 24, tokenDim: 8, attention: 'transformer', kernelSizes: [7, 3, 3], strides: [4, 3, 1], paddings: [2, 0, 1] },
      'model.tokenizer',
    );
    expect(tok.numTokens).toBe(400);
    const y = tf.tidy(() => tok.eval().forward(tf.zeros([1, 240, 240, 3]) as tf.Tensor4D));
    expect(y.shape).toEqual([1, 400, 24]);
    y.dispose();
    tok.dispose();
  });

  it('builds one class per variant (the attention option), each with the official parameter names', () => {
    const build = (attention: string) =>
      registry.build<T2TTokenizer>('tokenizer', { type: 't2t', imgSize: 32, embedDim: 16, tokenDim: 8, attention, kernelSizes: [7, 3, 3], strides: [4, 2, 1], paddings: [2, 1, 1] }, 'model.tokenizer');
    const cases = [
      ['performer', PerformerT2TTokenizer, ['attention1.w', 'attention1.kqv.weight', 'attention2.w', 'project.weight']],
      ['transformer', TransformerT2TTokenizer, ['attention1.attn.qkv.weight', 'attention2.attn.qkv.weight', 'project.weight']],
      ['convolution', ConvolutionT2TTokenizer, ['soft_split0.weight', 'soft_split1.weight', 'project.weight']],
    ] as const;
    for (const [attention, cls, names] of cases) {
      const tok = build(attention);
      expect(tok).toBeInstanceOf(cls);
      expect(tok).toBeInstanceOf(T2TTokenizer);
      expect(tok.attention).toBe(attention);
      expect(tok.namedParameters().map(([n]) => n)).toEqual(expect.arrayContaining([...names]));
      tok.dispose();
    }
  });

  it('spec errors name the option', () => {
    const err = (o: Record<string, unknown>) => {
      try {
        registry.build('tokenizer', { type: 't2t', imgSize: 64, embedDim: 32, ...o }, 'model.tokenizer');
      } catch (e) {
        expect(e).toBeInstanceOf(SpecError);
        return (e as SpecError).issues[0];
      }
      throw new Error('expected a SpecError');
    };
    expect(err({ attention: 'nystrom' }).path).toBe('model.tokenizer.attention');
    expect(err({ imgSize: 72 }).path).toBe('model.tokenizer.imgSize');
    expect(err({ imgSize: [64, 32] }).message).toMatch(/non-square token grid/);
    expect(err({ paddings: [1, 1, 1] }).path).toBe('model.tokenizer.paddings[0]');
    expect(err({ kernelRatio: 0 }).path).toBe('model.tokenizer.kernelRatio');
    expect(err({ attention: 'performer', mlpRatio: 2 }).path).toBe('model.tokenizer.mlpRatio');
    expect(err({ attention: 'transformer', convActivation: 'gelu' }).path).toBe('model.tokenizer.convActivation');
    expect(err({ attention: 'convolution', convActivation: 'tanh' }).path).toBe('model.tokenizer.convActivation');
    expect(err({ attention: 'performer', convNorm: 'batch' }).path).toBe('model.tokenizer.convNorm');
  });

  it('convolution: without an activation the three convolutions are one affine map; with one they are not', () => {
    const build = (convActivation: string, convNorm = 'none') =>
      registry.build<T2TTokenizer>(
        'tokenizer',
        { type: 't2t', imgSize: 32, inChans: 1, embedDim: 16, tokenDim: 8, attention: 'convolution', convActivation, convNorm, kernelSizes: [7, 3, 3], strides: [4, 2, 1], paddings: [2, 1, 1] },
        'model.tokenizer',
      );
    // f(a) + f(b) − f(0) − f(a + b) is 0 for an affine f
    const nonAffinity = (tok: T2TTokenizer) =>
      tf.tidy(() => {
        const a = tf.randomNormal([1, 32, 32, 1], 0, 1, 'float32', 1);
        const b = tf.randomNormal([1, 32, 32, 1], 0, 1, 'float32', 2);
        const f = (x: tf.Tensor) => tok.eval().forward(x as tf.Tensor4D);
        return tf.max(tf.abs(tf.sub(tf.add(f(a), f(b)), tf.add(f(tf.zerosLike(a)), f(tf.add(a, b)))))).dataSync()[0];
      });
    const linear = build('none');
    const stem = build('gelu');
    expect(stem.countParameters().total).toBe(linear.countParameters().total); // the activation adds no parameter
    expect(nonAffinity(linear)).toBeLessThan(1e-5);
    expect(nonAffinity(stem)).toBeGreaterThan(1e-3);
    // BatchNorm after the first two convolutions: γ and β trainable, running statistics as buffers
    const normed = build('gelu', 'batch');
    expect(normed.countParameters().total - linear.countParameters().total).toBe(2 * 2 * 8);
    expect(normed.namedParameters().map(([n]) => n).filter((n) => n.startsWith('norm'))).toEqual(['norm0.weight', 'norm0.bias', 'norm1.weight', 'norm1.bias']);
    expect(normed.namedBuffers().map(([n]) => n)).toEqual(expect.arrayContaining(['norm0.running_mean', 'norm1.running_var']));
    expect(nonAffinity(normed)).toBeGreaterThan(1e-3);
    linear.dispose();
    stem.dispose();
    normed.dispose();
  });
});
