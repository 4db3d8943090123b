import { buildModel, tf } from '@vitkit/core';
import { appRegistry } from '../registry';
import { fakeDigits } from '../testing/fake-digits';
import { TINY_DIGIT_VIT } from '../testing/tiny-models';
import { digitBatches, splitDigits } from './digit-batches';
import { heldOutAccuracy } from './held-out';

describe('held-out digits', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('splitDigits keeps the last digits apart, images and labels together', () => {
    const digits = fakeDigits(30);
    const { train, test } = splitDigits(digits, 8);
    expect([train.count, test.count]).toEqual([22, 8]);
    expect(Array.from(test.labels)).toEqual(Array.from(digits.labels.subarray(22)));
    expect(test.images.length).toBe(8 * 28 * 28);
    // the first held-out image is digit 22's (label 2, brightness 50)
    expect(test.images[0]).toBe(50);
    expect(train.images.length + test.images.length).toBe(digits.images.length);
  });

  it('splitDigits refuses to hold out none or all of them', () => {
    expect(() => splitDigits(fakeDigits(10), 0)).toThrow('splitDigits: cannot hold out 0 of 10 digits (an integer in [1, 9])');
    expect(() => splitDigits(fakeDigits(10), 10)).toThrow('splitDigits: cannot hold out 10 of 10 digits');
  });

  it("heldOutAccuracy is the share of whole batches' digits whose top logit is their label, and leaks no tensors", async () => {
    const model = buildModel(appRegistry(), TINY_DIGIT_VIT);
    model.train();
    const digits = fakeDigits(20);
    // Expected, straight from the model on the same normalised pixels: 2 whole batches of 8, the last 4 left out.
    const expected = await (async () => {
      let correct = 0;
      model.eval();
      for await (const b of digitBatches(digits, 8).iterate({ epoch: 0, batch: 0 })) {
        const predicted = tf.tidy(() => tf.argMax(model.forward(b.x), -1));
        const p = await predicted.data();
        b.labels.forEach((label, i) => (correct += Number(p[i] === label)));
        tf.dispose([predicted, b.x, b.y ?? []]);
      }
      model.train();
      return correct / 16;
    })();
    const before = tf.memory().numTensors;
    const result = await heldOutAccuracy(model, digits, 8);
    expect(result).toEqual({ accuracy: expected, count: 16 });
    expect(tf.memory().numTensors).toBe(before);
    expect(model.training).toBe(true);
    model.dispose();
  });
});
