import { promises as fs } from 'fs';
import * as path from 'path';
import { tf, buildModel, createRegistry, selectBackend, usePlugin } from '@vitkit/core';
import type { VitkitPlugin } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as data } from '@vitkit/data';
import { parseTrainSpec } from './spec';
import { trainerPlugin } from './components';
import type { OptimizerFactory } from './components';
import type { LossFn } from './loss/losses';
import { ensureWasmKernels } from './trainer';

const dir = path.resolve(__dirname, '../../../examples/specs');

/** Every example spec validates, builds through the registry and takes one finite training step (wasm, batch 2). */
describe('example specs', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
    ensureWasmKernels();
  });

  it('lists one spec per model family', async () => {
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(expect.arrayContaining(['mnist-t2t.json', 'mnist-crossvit.json', 'mnist-crossvit-t2t.json', 'mnist-vt-resnet.json']));
  });

  it.each(['mnist-t2t.json', 'mnist-crossvit.json', 'mnist-crossvit-t2t.json', 'mnist-vt-resnet.json'])('%s builds and trains one step', async (file) => {
    const raw = JSON.parse(await fs.readFile(path.join(dir, file), 'utf8'));
    const spec = parseTrainSpec(raw);
    const registry = createRegistry();
    for (const p of [tokenizers, backbones, fusion, data, trainerPlugin] as VitkitPlugin[]) usePlugin(registry, p);
    const model = buildModel(registry, spec.model as never);
    const [h, w] = model.config.inputSize;
    const opt = registry.build<OptimizerFactory>('optimizer', spec.train.optimizer, 'train.optimizer');
    const loss = registry.build<LossFn>('loss', spec.train.loss, 'train.loss');
    const params = model
      .namedParameters()
      .filter(([, p]) => p.trainable)
      .map(([name, p]) => ({ name, variable: p.variable, decay: p.decay }));
    const optimizer = opt.create(params);
    const x = tf.randomNormal([2, h, w, model.config.inChans]) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([1, 7], 'int32'), model.config.numClasses).toFloat() as tf.Tensor2D;
    model.train();
    const { value, grads } = tf.variableGrads(() => loss(model.forward(x), { y, labels: Int32Array.from([1, 7]) }), params.map((p) => p.variable));
    const byName = new Map(params.map((p) => [p.variable.name, p.name]));
    const g = new Map(Object.entries(grads).map(([k, v]) => [byName.get(k)!, v]));
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    optimizer.step(g, opt.lr);
    for (const t of [...g.values(), value, x, y]) t.dispose();
    optimizer.dispose();
    model.dispose();
  });
});
