/**
 * @jest-environment ../onnx/jest-environment.js
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { buildModel, buildSegmenter, readSafetensors, saveSafetensors, tf } from '@vitkit/core';
import { useBackend } from '@vitkit/core/testing';
import * as ort from 'onnxruntime-node';
import { fixtureSpec as t2tFixtureSpec } from '@vitkit/backbones/testing';
import { createRunRegistry } from './run-setup';
import { fixtureDir, runVitkit, tinyTrainSpec, writeJson } from './testing';
import { fixturePath } from '@vitkit/core/testing';

const FIXTURES = fixturePath();

function notInstalled(id: string): never {
  throw Object.assign(new Error(`Cannot find module '${id}' from 'packages/onnx/src/onnxruntime.ts'`), { code: 'MODULE_NOT_FOUND' });
}

describe('vitkit export | eval --engine onnxruntime | predict --engine onnxruntime', () => {
  let dir: string;
  let train: string;
  let weights: string;
  let png: string;

  beforeAll(async () => {
    await useBackend('cpu');
    dir = await fixtureDir();
    train = await writeJson(path.join(dir, 'train.json'), { ...tinyTrainSpec(path.join(dir, 'run')), backend: 'cpu' });
    const vit = buildModel(createRunRegistry(), tinyTrainSpec('').model as never);
    weights = path.join(dir, 'vit.safetensors');
    await saveSafetensors(vit, weights);
    vit.dispose();
    const sharp = require('sharp') as typeof import('sharp');
    png = path.join(dir, 'digit.png');
    await sharp(Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) % 256)), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(png);
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('export writes a file that onnxruntime runs to the parity fixture logits (T2T-ViT performer, official weights)', async () => {
    const fixture = path.join(FIXTURES, 't2t_tiny_performer.safetensors');
    const meta = JSON.parse(await fs.readFile(fixture.replace(/safetensors$/, 'json'), 'utf8')) as { constructor: string };
    const spec = await writeJson(path.join(dir, 't2t.json'), { model: t2tFixtureSpec(meta.constructor) });
    const out = path.join(dir, 't2t.onnx');
    const r = await runVitkit(['export', '--spec', spec, '--weights', fixture, '--onnx', out]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/wrote .*t2t\.onnx .*input \[batch, 64, 64, 3\] NHWC → logits \[batch, 10\]/);
    const { tensors } = await readSafetensors(fixture);
    const x = tensors.get('__input__')!;
    const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(x.data as Float32Array, x.shape as [number, number, number, number]), [0, 2, 3, 1]));
    const session = await ort.InferenceSession.create(out);
    const y = (await session.run({ input: new ort.Tensor('float32', nhwc.dataSync() as Float32Array, nhwc.shape) })).logits;
    await session.release();
    nhwc.dispose();
    const want = tensors.get('__logits__')!.data as Float32Array;
    let diff = 0;
    (y.data as Float32Array).forEach((v, i) => (diff = Math.max(diff, Math.abs(v - want[i]))));
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('export of a segmentation spec (VT-FPN) writes per-pixel logits that onnxruntime reproduces', async () => {
    const model = {
      type: 'segmentation',
      backbone: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16] },
      neck: { type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 },
      head: { type: 'semantic-fpn', convDims: 8, groups: 2 },
      numClasses: 3,
      imgSize: [32, 64],
    };
    const spec = await writeJson(path.join(dir, 'seg.json'), { model });
    const seg = buildSegmenter(createRunRegistry(), model as never);
    const segWeights = path.join(dir, 'seg.safetensors');
    await saveSafetensors(seg, segWeights);
    const out = path.join(dir, 'seg.onnx');
    const r = await runVitkit(['export', '--spec', spec, '--weights', segWeights, '--onnx', out]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/input \[batch, 32, 64, 3\] NHWC → logits \[batch, 32, 64, 3\] per pixel/);
    const x = tf.randomNormal([2, 32, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const want = tf.tidy(() => seg.eval().forward(x));
    const session = await ort.InferenceSession.create(out);
    const y = (await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) })).logits;
    await session.release();
    expect(y.dims).toEqual([2, 32, 64, 3]);
    const w = want.dataSync();
    let diff = 0;
    (y.data as Float32Array).forEach((v, i) => (diff = Math.max(diff, Math.abs(v - w[i]))));
    expect(diff).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, want]);
    seg.dispose();
  });

  it('export of a plugin component without an emitter fails naming it (exit 1)', async () => {
    const flat = await writeJson(path.join(dir, 'flat.json'), { plugins: ['./flat-plugin.js'], model: 'flat_4' });
    const r = await runVitkit(['export', '--spec', flat, '--onnx', path.join(dir, 'flat.onnx')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/module "<model>" is a Flat, which has no ONNX emitter/);
  });

  it('eval --engine onnxruntime gives the tfjs engine\'s results', async () => {
    const tfjs = await runVitkit(['eval', '--spec', train, '--weights', weights, '--json']);
    const onnx = await runVitkit(['eval', '--spec', train, '--weights', weights, '--json', '--engine', 'onnxruntime']);
    expect([tfjs.code, onnx.code]).toEqual([0, 0]);
    expect(onnx.err).toMatch(/engine onnxruntime/);
    const [a, b] = [JSON.parse(tfjs.out), JSON.parse(onnx.out)];
    expect(b.count).toBe(a.count);
    expect(b.top1).toBe(a.top1);
    expect(b.loss).toBeCloseTo(a.loss, 4);
  });

  it('predict --engine onnxruntime gives the tfjs engine\'s probabilities', async () => {
    const tfjs = await runVitkit(['predict', '--spec', train, '--weights', weights, '--json', png]);
    const onnx = await runVitkit(['predict', '--spec', train, '--weights', weights, '--json', '--engine', 'onnxruntime', png]);
    expect([tfjs.code, onnx.code]).toEqual([0, 0]);
    const [a, b] = [JSON.parse(tfjs.out)[0].top, JSON.parse(onnx.out)[0].top];
    expect(b.map((t: { class: number }) => t.class)).toEqual(a.map((t: { class: number }) => t.class));
    b.forEach((t: { probability: number }, i: number) => expect(t.probability).toBeCloseTo(a[i].probability, 5));
  });

  it('an unknown engine is a usage error', async () => {
    const r = await runVitkit(['eval', '--spec', train, '--weights', weights, '--engine', 'tensorrt']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--engine must be one of tfjs, onnxruntime, got "tensorrt"/);
  });

  describe('without onnxruntime-node', () => {
    afterEach(() => jest.dontMock('onnxruntime-node'));

    it.each(['eval', 'predict'])('vitkit %s --engine onnxruntime → exit 2 with the offline install line', async (command) => {
      jest.doMock('onnxruntime-node', () => notInstalled('onnxruntime-node'));
      const r = await runVitkit([command, '--spec', train, '--weights', weights, '--engine', 'onnxruntime', ...(command === 'predict' ? [png] : [])]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^vitkit (eval|predict): this command needs onnxruntime-node, which is not installed; install it with: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node\n/m);
    });
  });
});
