import * as path from 'path';
import { promises as fs } from 'fs';
import { buildModel, loadStateDict, readSafetensors, selectBackend, sinusoidTable, tf } from '@vitkit/core';
import type { TensorMap } from '@vitkit/core';
import { adaptT2TCheckpoint, DeepNarrowViT, loadT2TCheckpoint, resizePosEmbed } from './index';
import { FIXTURES, fixtureSpec, t2tRegistry } from '../testing';

let tensors: TensorMap;
let spec: { type: string } & Record<string, unknown>;

beforeAll(async () => {
  await selectBackend('wasm', { quiet: true });
  const name = 't2t_tiny_performer_rand';
  tensors = (await readSafetensors(path.join(FIXTURES, `${name}.safetensors`))).tensors;
  spec = fixtureSpec(JSON.parse(await fs.readFile(path.join(FIXTURES, `${name}.json`), 'utf8')).constructor);
});

describe('fine-tuning helpers', () => {
  it('loads a 64 px / 10-class checkpoint into a 96 px / 5-class model (bicubic pos grid 4→6, head reset), strictly', () => {
    const model = buildModel(t2tRegistry(), { ...spec, imgSize: 96, numClasses: 5 }) as DeepNarrowViT;
    expect(model.numTokens).toBe(36);
    const headBefore = model.namedParameters().find(([n]) => n === 'head.weight')![1].variable.dataSync().slice();
    const adapted = adaptT2TCheckpoint(tensors, model);
    expect(adapted.get('pos_embed')!.shape).toEqual([1, 37, 64]);
    expect(adapted.get('head.weight')!.shape).toEqual([5, 64]);
    loadStateDict(model, adapted, { strict: true });
    // cls row untouched; the head is the model's own fresh one; every other tensor is the checkpoint's.
    const pos = model.pos_embed.variable.dataSync();
    const src = tensors.get('pos_embed')!.data;
    expect(Array.from(pos.slice(0, 64))).toEqual(Array.from(src.slice(0, 64)));
    expect(tf.util.arraysEqual(model.namedParameters().find(([n]) => n === 'head.weight')![1].variable.dataSync(), headBefore)).toBe(true);
    expect(Array.from(model.norm.weight.variable.dataSync())).toEqual(Array.from(tensors.get('norm.weight')!.data));
    const logits = tf.tidy(() => model.eval().forward(tf.randomNormal([2, 96, 96, 3], 0, 1, 'float32', 3) as tf.Tensor4D));
    expect(logits.shape).toEqual([2, 5]);
    expect(tf.tidy(() => tf.all(tf.isFinite(logits)).dataSync()[0])).toBe(1);
    logits.dispose();
    model.dispose();
  });

  it('bicubic grid resize: same size is the identity; a constant grid stays constant; cls row kept', () => {
    const pos = tensors.get('pos_embed')!;
    const same = resizePosEmbed(pos, 4);
    expect(Array.from(same.data)).toEqual(Array.from(pos.data));
    const c = 8;
    const constant = { shape: [1, 1 + 9, c], data: Float32Array.from({ length: 10 * c }, (_, i) => (i < c ? -1 : 0.25 + (i % c))), dtype: 'F32' };
    const up = resizePosEmbed(constant, 7);
    expect(up.shape).toEqual([1, 50, c]);
    for (let i = 0; i < c; i++) expect(up.data[i]).toBe(-1);
    for (let i = c; i < up.data.length; i++) expect(up.data[i]).toBeCloseTo(0.25 + (i % c), 5);
  });

  it("posEmbed: 'sinusoid' recomputes T2T-ViT's fixed table for the new length", () => {
    const adapted = adaptT2TCheckpoint(tensors, { gridSize: 6 }, { posEmbed: 'sinusoid' });
    const want = sinusoidTable(37, 64);
    expect(Array.from(adapted.get('pos_embed')!.data)).toEqual(Array.from(want.dataSync()));
    want.dispose();
  });

  it('options form: numClasses 0 drops the head; the result loads strictly into a features-only model', () => {
    const adapted = adaptT2TCheckpoint(tensors, { numClasses: 0 });
    expect(adapted.has('head.weight')).toBe(false);
    const model = buildModel(t2tRegistry(), { ...spec, numClasses: 0 });
    loadStateDict(model, adapted, { strict: true });
    const feats = tf.tidy(() => model.eval().forward(tf.zeros([1, 64, 64, 3]) as tf.Tensor4D));
    expect(feats.shape).toEqual([1, 64]);
    feats.dispose();
    model.dispose();
  });

  it('loadT2TCheckpoint: a DataParallel (`module.`-prefixed) checkpoint at another size and class count loads strictly', () => {
    const prefixed: TensorMap = new Map([...tensors].map(([k, v]) => [k.startsWith('__') ? k : `module.${k}`, v]));
    const model = buildModel(t2tRegistry(), { ...spec, imgSize: 32, numClasses: 7 }) as DeepNarrowViT;
    const res = loadT2TCheckpoint(model, prefixed, { source: 'prefixed' });
    expect(res.missing).toEqual([]);
    expect(res.unexpected).toEqual([]);
    expect(model.pos_embed.torchShape).toEqual([1, 5, 64]);
    expect(Array.from(model.norm.bias.variable.dataSync())).toEqual(Array.from(tensors.get('norm.bias')!.data));
    model.dispose();
  });

  it('resetClassifier swaps the head (new class count, same names), without leaking the old one', () => {
    const model = buildModel(t2tRegistry(), spec);
    loadStateDict(model, tensors);
    const before = tf.memory().numTensors;
    model.resetClassifier!(3);
    expect(tf.memory().numTensors).toBe(before - 2 + 2);
    expect(model.config.numClasses).toBe(3);
    const head = model.namedParameters().filter(([n]) => n.startsWith('head.'));
    expect(head.map(([n, p]) => [n, p.torchShape])).toEqual([
      ['head.weight', [3, 64]],
      ['head.bias', [3]],
    ]);
    const logits = tf.tidy(() => model.eval().forward(tf.zeros([2, 64, 64, 3]) as tf.Tensor4D));
    expect(logits.shape).toEqual([2, 3]);
    logits.dispose();
    model.dispose();
  });
});
