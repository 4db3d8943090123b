import * as path from 'path';
import { TEST_BACKENDS } from '@vitkit/core/testing';
import * as fs from 'fs';
import { buildModel, createRegistry, loadStateDict, manualSeed, parseSafetensors, runForward, selectBackend, SpecError, tf } from '@vitkit/core';
import * as core from '@vitkit/core';
import { registerResNet } from './index';
import { fastNormal, maxPool2d, nativeMaxPoolGradIsExact } from './resnet';
import { sharedDir } from '@vitkit/core/testing';
import { resnetFixtureSpec } from '../testing';

const SHARED = sharedDir();
const FIXTURES = path.join(SHARED, 'fixtures');

function registry() {
  const r = createRegistry();
  registerResNet(r);
  return r;
}

/** Registers the core wasm kernel pack (Conv2DBackpropFilter, MaxPoolGrad) when this core version has it. */
function registerKernelPack(): void {
  const fn = (core as unknown as { registerWasmKernels?: () => void }).registerWasmKernels;
  if (typeof fn === 'function') fn();
}

function fixtureSpec(name: string): Record<string, unknown> {
  const meta = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as { constructor: string };
  const m = /NarrowResNet\((BasicBlock|Bottleneck), \[([\d, ]+)\], \[([\d, ]+)\], num_classes=(\d+)\)/.exec(meta.constructor);
  if (!m) throw new Error(`unexpected constructor ${meta.constructor}`);
  const nums = (t: string) => t.split(',').map((v) => Number(v.trim()));
  return { type: 'resnet', block: m[1] === 'BasicBlock' ? 'basic' : 'bottleneck', layers: nums(m[2]), widths: nums(m[3]), numClasses: Number(m[4]), imgSize: 64 };
}

function parity(name: string): number {
  const model = buildModel(registry(), fixtureSpec(name) as { type: string });
  const { tensors } = parseSafetensors(fs.readFileSync(path.join(FIXTURES, `${name}.safetensors`)));
  loadStateDict(model, tensors, { strict: true, source: name });
  model.eval();
  const inp = tensors.get('__input__')!;
  const ref = tensors.get('__logits__')!;
  const diff = tf.tidy(() => {
    const x = tf.transpose(tf.tensor4d(inp.data as Float32Array, inp.shape as [number, number, number, number]), [0, 2, 3, 1]);
    const y = model.forward(x);
    return tf.max(tf.abs(tf.sub(y, tf.tensor(ref.data as Float32Array, ref.shape)))).dataSync()[0];
  });
  model.dispose();
  return diff;
}

describe('resnet spec (wasm)', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('names parameters like torchvision', () => {
    const model = buildModel(registry(), fixtureSpec('resnet_bottleneck_narrow') as { type: string });
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('layer1.0.downsample.0.weight');
    expect(names).toContain('layer4.0.conv3.weight');
    expect(names).toContain('fc.bias');
    expect(model.namedBuffers().map(([n]) => n)).toContain('layer2.0.downsample.1.running_var');
    model.dispose();
  });

  it('conv init is N(0, 2/fan_out) (Box–Muller sampler) and reproducible under manualSeed', () => {
    const w = fastNormal(0.5)([200_000]);
    const { mean, variance } = tf.moments(w);
    expect(Math.abs(mean.dataSync()[0])).toBeLessThan(0.005);
    expect(Math.abs(Math.sqrt(variance.dataSync()[0]) - 0.5)).toBeLessThan(0.005);
    // Fourth moment of a normal: 3σ⁴ (a uniform would give 1.8σ⁴).
    const k = tf.tidy(() => tf.mean(tf.pow(w, 4)).dataSync()[0] / 0.5 ** 4);
    expect(Math.abs(k - 3)).toBeLessThan(0.1);
    manualSeed(5);
    const a = fastNormal(1)([10]).dataSync();
    manualSeed(5);
    const b = fastNormal(1)([10]).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    tf.dispose([w, mean, variance]);
  });

  it('reports spec errors with their path', () => {
    expect(() => buildModel(registry(), { type: 'resnet', layers: [2, 2, 2] })).toThrow(/model\.layers: has 3 entries; expected exactly 4/);
    expect(() => buildModel(registry(), { type: 'resnet', layers: [2, 2, 2, 2], block: 'wide' })).toThrow(SpecError);
    expect(() => buildModel(registry(), { type: 'resnet', layers: [2, 2, 2, 2], block: 'wide' })).toThrow(/model\.block: "wide" is not valid; expected one of basic, bottleneck/);
  });
});

describe.each(TEST_BACKENDS)('resnet on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, { quiet: true });
    registerKernelPack();
  });

  it('reproduces the resnet_bottleneck_narrow fixture to 1e-4', () => {
    const d = parity('resnet_bottleneck_narrow');
    console.log(`[${backend}] resnet_bottleneck_narrow max|diff| = ${d.toExponential(3)}`);
    expect(d).toBeLessThanOrEqual(1e-4);
  });

  if (backend !== 'cpu') {
    it('reproduces the resnet18_narrow fixture to 1e-4', () => {
      const d = parity('resnet18_narrow');
      console.log(`[${backend}] resnet18_narrow max|diff| = ${d.toExponential(3)}`);
      expect(d).toBeLessThanOrEqual(1e-4);
    });
  }

  it('reproduces both fixtures through runForward (the `vitkit forward` path) with the spec files', async () => {
    for (const name of ['resnet18_narrow', 'resnet_bottleneck_narrow']) {
      const file = path.join(FIXTURES, `${name}.safetensors`);
      const { logits, shape } = await runForward({ spec: { plugins: [path.join(__dirname, '../testing/resnet-plugin.ts')], model: resnetFixtureSpec(name) }, weights: file, input: file });
      const ref = parseSafetensors(fs.readFileSync(file)).tensors.get('__logits__')!;
      expect(shape).toEqual(ref.shape);
      const d = Math.max(...Array.from(logits, (v, i) => Math.abs(v - (ref.data as Float32Array)[i])));
      console.log(`[${backend}] runForward ${name} max|diff| = ${d.toExponential(3)}`);
      expect(d).toBeLessThanOrEqual(1e-4);
      if (backend === 'cpu') break; // cpu is slow: one fixture there
    }
  });

  it('differentiable max pool equals the native one and has PyTorch\'s gradient', () => {
    const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const a = maxPool2d(x, 3, 2, 1, false);
    const b = maxPool2d(x, 3, 2, 1, true);
    expect(b.shape).toEqual([2, 5, 4, 3]);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    // Gradient of sum(maxpool): each output routes 1 to its (unique, with random data) argmax.
    const g = tf.grad((t: tf.Tensor) => tf.sum(maxPool2d(t as tf.Tensor4D, 3, 2, 1, true)))(x);
    const gx = g.arraySync() as number[][][][];
    const xv = x.arraySync() as number[][][][];
    const expected = xv.map((img) => img.map((row) => row.map((px) => px.map(() => 0))));
    for (let n = 0; n < 2; n++) for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) for (let c = 0; c < 3; c++) {
      let best = -Infinity;
      let bi = -1;
      let bj = -1;
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) {
        const r = 2 * i + di;
        const q = 2 * j + dj;
        if (r < 0 || q < 0 || r >= 9 || q >= 8) continue;
        if (xv[n][r][q][c] > best) {
          best = xv[n][r][q][c];
          bi = r;
          bj = q;
        }
      }
      expected[n][bi][bj][c] += 1;
    }
    expect(gx).toEqual(expected);
    // where the engine's MaxPoolGrad is exact, training runs the engine's pool with its own padding: same gradient
    if (nativeMaxPoolGradIsExact()) {
      const gn = tf.grad((t: tf.Tensor) => tf.sum(maxPool2d(t as tf.Tensor4D, 3, 2, 1, false)))(x);
      expect(gn.arraySync()).toEqual(expected);
      gn.dispose();
    }
    tf.dispose([x, a, b, g]);
  });

  it('trains (loss falls) without leaking tensors', () => {
    const conv2dFilterGrad = tf.getKernel('Conv2DBackpropFilter', backend) !== undefined;
    // cpu is ~30x slower than wasm: a smaller batch and image there.
    const size = backend === 'cpu' ? 16 : 32;
    const n = backend === 'cpu' ? 3 : 6;
    const model = buildModel(registry(), { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 8], numClasses: 3, imgSize: size });
    model.train();
    // Without a Conv2DBackpropFilter kernel (wasm before the core kernel pack) only BN and fc train.
    const vars = model.parameters().filter((p) => conv2dFilterGrad || p.layout !== 'conv2d').map((p) => p.variable);
    const opt = tf.train.adam(0.01);
    const x = tf.randomNormal([n, size, size, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2].slice(0, n), 'int32'), 3);
    const losses: number[] = [];
    let before = 0;
    for (let step = 0; step < 30; step++) {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar, true, vars)!;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      if (step === 2) before = tf.memory().numTensors;
      if (step > 2) expect(tf.memory().numTensors).toBe(before);
    }
    console.log(`[${backend}] resnet train (conv filters ${conv2dFilterGrad ? 'trained' : 'frozen'}): loss ${losses[0].toFixed(3)} → ${losses[29].toFixed(3)}`);
    expect(losses[29]).toBeLessThan(losses[0] * 0.5);
    opt.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});
