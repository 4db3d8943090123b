import { buildModel, createRegistry, Registry, selectBackend, SpecError, stateDict, tf } from '@vitkit/core';
import { describeRegistryContract } from '@vitkit/core/testing';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { DepthwiseConv2d, PositionalEncodingGenerator, plugin } from './index';

function makeRegistry(): Registry {
  return createRegistry({ plugins: [tokenizers, plugin] });
}

/** Depthwise conv through tfjs' own kernel (the independent reference), weight [k, k, 1, C] → [k, k, C, 1]. */
function referenceDepthwise(x: tf.Tensor4D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor4D {
  const [k, , , c] = weight.shape;
  const p = (k - 1) / 2;
  return tf.add(tf.depthwiseConv2d(x, tf.reshape(weight, [k, k, c, 1]) as tf.Tensor4D, 1, [[0, 0], [p, p], [p, p], [0, 0]]), bias) as tf.Tensor4D;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe.each(['wasm', 'cpu'] as const)('DepthwiseConv2d on %s', (backend) => {
  beforeAll(() => selectBackend(backend, { quiet: true }));

  it.each([3, 5])('k=%i: shifted-slice forward equals tf.depthwiseConv2d', (k) => {
    const conv = new DepthwiseConv2d(6, { kernelSize: k });
    const x = tf.randomNormal([2, 5, 7, 6], 0, 1, 'float32', 3) as tf.Tensor4D;
    const diff = tf.tidy(() => maxAbsDiff(conv.forward(x), referenceDepthwise(x, conv.weight.variable, conv.bias!.variable)));
    expect(diff).toBeLessThan(1e-5);
    x.dispose();
    conv.dispose();
  });
});

describe('DepthwiseConv2d gradients', () => {
  it('wasm gradients of the slice formulation equal cpu gradients of tf.depthwiseConv2d', async () => {
    const shape = [2, 4, 4, 5];
    const xs = Float32Array.from({ length: 2 * 4 * 4 * 5 }, (_, i) => Math.sin(i * 0.37));
    const ws = Float32Array.from({ length: 9 * 5 }, (_, i) => Math.cos(i * 0.11));
    const bs = Float32Array.from({ length: 5 }, (_, i) => 0.1 * i);
    const gy = Float32Array.from({ length: 2 * 4 * 4 * 5 }, (_, i) => Math.cos(i * 0.23));

    const grads = (useReference: boolean): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor4d(xs, shape as [number, number, number, number]);
        const w = tf.tensor4d(ws, [3, 3, 1, 5]);
        const b = tf.tensor1d(bs);
        const dy = tf.tensor4d(gy, shape as [number, number, number, number]);
        const conv = new DepthwiseConv2d(5);
        const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Tensor => {
          if (useReference) return tf.sum(tf.mul(referenceDepthwise(xx as tf.Tensor4D, ww, bb), dy));
          conv.weight.variable.assign(ww);
          conv.bias!.variable.assign(bb);
          // Differentiate through the module's formulation with the weight as an explicit input.
          const [k, c] = [3, 5];
          const padded = tf.pad(xx as tf.Tensor4D, [[0, 0], [1, 1], [1, 1], [0, 0]]);
          const taps = tf.reshape(ww, [k * k, c]);
          let y: tf.Tensor = tf.zerosLike(xx);
          for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) y = tf.add(y, tf.mul(tf.slice(padded, [0, i, j, 0], [2, 4, 4, c]), tf.reshape(tf.slice(taps, [i * k + j, 0], [1, c]), [c])));
          return tf.sum(tf.mul(tf.add(y, bb), dy));
        };
        const g = tf.grads(f)([x, w, b]);
        conv.dispose();
        return g.map((t) => t.dataSync() as Float32Array);
      });

    await selectBackend('cpu', { quiet: true });
    const ref = grads(true);
    await selectBackend('wasm', { quiet: true });
    const got = grads(false);
    for (let i = 0; i < 3; i++) {
      let m = 0;
      for (let j = 0; j < ref[i].length; j++) m = Math.max(m, Math.abs(ref[i][j] - got[i][j]));
      expect(m).toBeLessThan(1e-4);
    }
  });

  it('the module itself trains on wasm: finite gradients for every parameter of a cpvt model', async () => {
    await selectBackend('wasm', { quiet: true });
    const registry = makeRegistry();
    const model = buildModel(registry, { type: 'cpvt', imgSize: 16, numClasses: 3, embedDim: 16, depth: 2, numHeads: 2, tokenizer: { type: 'patch', patchSize: 4 } });
    const vars = model.namedParameters().map(([, p]) => p.variable);
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.train().forward(x))) as tf.Scalar, vars);
    expect(Object.keys(grads)).toHaveLength(vars.length);
    const pegGrad = grads[model.namedParameters().find(([n]) => n === 'pos_block.0.proj.0.weight')![1].variable.name];
    expect(tf.tidy(() => tf.all(tf.isFinite(pegGrad)).dataSync()[0])).toBe(1);
    expect(tf.tidy(() => tf.max(tf.abs(pegGrad)).dataSync()[0])).toBeGreaterThan(0);
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    x.dispose();
    model.dispose();
  });
});

describe('PositionalEncodingGenerator', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('turns identical tokens into position-dependent ones through the zero padding', () => {
    const peg = new PositionalEncodingGenerator(4);
    const out = tf.tidy(() => peg.forward(tf.ones([1, 16, 4]) as tf.Tensor3D, [4, 4]).arraySync()[0]);
    const corner = out[0];
    const edge = out[1];
    const centre = out[5];
    expect(Math.max(...corner.map((v, i) => Math.abs(v - centre[i])))).toBeGreaterThan(1e-3);
    expect(Math.max(...edge.map((v, i) => Math.abs(v - centre[i])))).toBeGreaterThan(1e-3);
    // Interior tokens (full 3×3 neighbourhood) all get the same value: only the borders carry position.
    expect(out[5]).toEqual(out[10]);
    peg.dispose();
  });
});

describe('cpvt backbone', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('cpvt_ti has the DeiT-Ti parameter count minus the position embedding plus one PEG', () => {
    const registry = makeRegistry();
    const model = buildModel(registry, 'cpvt_ti');
    // DeiT-Ti (timm deit_tiny_patch16_224): 5,717,416 parameters, of which pos_embed is 197 × 192.
    const deitTi = 5_717_416;
    expect(model.countParameters().total).toBe(deitTi - 197 * 192 + (192 * 9 + 192));
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('pos_block.0.proj.0.weight');
    expect(names).toContain('cls_token');
    expect(names).not.toContain('pos_embed');
    model.dispose();
  });

  it('stores the PEG weight in the PyTorch depthwise layout [C, 1, k, k]', () => {
    const registry = makeRegistry();
    const model = buildModel(registry, { preset: 'cpvt_tiny_32', depth: 1 });
    const sd = stateDict(model);
    expect(sd.get('pos_block.0.proj.0.weight')!.shape).toEqual([192, 1, 3, 3]);
    expect(sd.get('pos_block.0.proj.0.bias')!.shape).toEqual([192]);
    expect(sd.has('cls_token')).toBe(false);
    model.dispose();
  });

  it('names the offending option in spec errors', () => {
    const registry = makeRegistry();
    expect(() => buildModel(registry, { type: 'cpvt', imgSize: 16, embedDim: 16, depth: 2, numHeads: 2, pegAfter: [3], tokenizer: { type: 'patch', patchSize: 4 } })).toThrow(SpecError);
    expect(() => buildModel(registry, { type: 'cpvt', imgSize: 16, embedDim: 16, depth: 2, numHeads: 2, pegAfter: [3], tokenizer: { type: 'patch', patchSize: 4 } })).toThrow(/model\.pegAfter\[0\].*depth 2/);
    expect(() => buildModel(registry, { type: 'cpvt', imgSize: 16, embedDim: 16, depth: 2, numHeads: 2, pool: 'max' })).toThrow(/model\.pool/);
  });
});

describe('contract', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));
  // The 224 px presets are built (and counted) in the test above; the contract runs the small one (time).
  describeRegistryContract(makeRegistry, { presets: 'cpvt_tiny_32' });
});
