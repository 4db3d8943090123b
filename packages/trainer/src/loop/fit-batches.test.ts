import { buildModel, createRegistry, manualSeed, selectBackend, tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { AdamW } from '../optim/adamw';
import { constantSchedule } from '../optim/schedule';
import { trainableParams } from '../optim/trainable-params';
import { crossEntropy } from '../loss/losses';
import { TINY_VIT } from '../testing/tiny-run';
import { fitBatches } from './fit-batches';
import { InMemoryBatches } from './in-memory-batches';
import type { InMemoryData } from './in-memory-batches';

const SIZE = TINY_VIT.imgSize;

/** `count` 8×8 grey images: class k lights up one of three bands of rows, over seeded noise. */
function bandImages(count: number): InMemoryData {
  const images = new Float32Array(count * SIZE * SIZE);
  const labels = new Int32Array(count);
  let state = 7;
  const noise = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.4;
  for (let i = 0; i < count; i++) {
    labels[i] = i % 3;
    for (let r = 0; r < SIZE; r++) {
      const lit = Math.floor((r * 3) / SIZE) === labels[i];
      for (let c = 0; c < SIZE; c++) images[(i * SIZE + r) * SIZE + c] = (lit ? 1 : -1) + noise();
    }
  }
  return { images, shape: [SIZE, SIZE, 1], labels, numClasses: 3 };
}

describe('InMemoryBatches', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('delivers every image once per epoch, in a seeded order, as NHWC batches with one-hot targets', async () => {
    const data = bandImages(12);
    const seen = async (seed: number, epoch: number) => {
      const firstValues: number[] = [];
      const labels: number[] = [];
      for await (const b of new InMemoryBatches(data, { batchSize: 4, shuffleSeed: seed }).iterate({ epoch, batch: 0 })) {
        expect(b.x.shape).toEqual([4, SIZE, SIZE, 1]);
        expect(b.y!.shape).toEqual([4, 3]);
        expect(Array.from(b.y!.argMax(-1).dataSync())).toEqual(Array.from(b.labels));
        firstValues.push(...Array.from(b.x.dataSync()).filter((_, i) => i % (SIZE * SIZE) === 0));
        labels.push(...b.labels);
        tf.dispose([b.x, b.y!]);
      }
      return { firstValues, labels };
    };
    const a = await seen(1, 0);
    expect(a.labels.slice().sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(await seen(1, 0)).toEqual(a);
    expect((await seen(1, 1)).firstValues).not.toEqual(a.firstValues);
  });

  it('names what is wrong with the data', () => {
    const data = bandImages(4);
    expect(() => new InMemoryBatches({ ...data, labels: [0, 1, 2] }, { batchSize: 2 })).toThrow('images hold 256 values, expected 3 labels × 8×8×1 = 192');
    expect(() => new InMemoryBatches({ ...data, labels: [0, 1, 3, 0] }, { batchSize: 2 })).toThrow('label 2 is 3, expected an integer in [0, 3)');
    expect(() => new InMemoryBatches(data, { batchSize: 5 })).toThrow('4 images make no batch of 5');
  });
});

describe('fitBatches', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('trains a tiny ViT on in-memory images: the loss falls, and steps leave no tensor behind', async () => {
    manualSeed(0);
    const model = buildModel(createRegistry({ plugins: [tokenizers, backbones] }), TINY_VIT) as ImageClassifier;
    const params = trainableParams(model);
    const optimizer = new AdamW(params, { weightDecay: 0 });
    const run = (steps: number) =>
      fitBatches({ model, params, optimizer, schedule: constantSchedule({ baseLr: 3e-3 }), loss: crossEntropy(), data: new InMemoryBatches(bandImages(48), { batchSize: 12, shuffleSeed: 3 }), steps });
    const first = await run(2);
    const tensorsAfterFirst = tf.memory().numTensors;
    const rest = await run(40);
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    const losses = [...first.losses, ...rest.losses];
    const tail = losses.slice(-5).reduce((s, l) => s + l, 0) / 5;
    console.log(`fitBatches: loss ${losses[0].toFixed(3)} → ${tail.toFixed(3)} (mean of the last 5 of ${losses.length} steps)`);
    expect(losses[0]).toBeGreaterThan(0.9);
    expect(tail).toBeLessThan(losses[0] / 2);
    optimizer.dispose();
    model.dispose();
  });

  it('stops before the step where shouldStop says so, releasing the batch it had read', async () => {
    const model = buildModel(createRegistry({ plugins: [tokenizers, backbones] }), TINY_VIT) as ImageClassifier;
    const params = trainableParams(model);
    const optimizer = new AdamW(params, { weightDecay: 0 });
    const seen: number[] = [];
    const data = new InMemoryBatches(bandImages(48), { batchSize: 12 });
    await fitBatches({ model, params, optimizer, schedule: constantSchedule({ baseLr: 1e-3 }), loss: crossEntropy(), data, steps: 1 });
    const before = tf.memory().numTensors;
    const r = await fitBatches({
      model,
      params,
      optimizer,
      schedule: constantSchedule({ baseLr: 1e-3 }),
      loss: crossEntropy(),
      data,
      steps: 100,
      shouldStop: () => seen.length >= 6,
      onStep: (step) => void seen.push(step),
    });
    expect(r.steps).toBe(6);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    model.dispose();
  });
});
