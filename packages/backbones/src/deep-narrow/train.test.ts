import { buildModel, selectBackend, tf } from '@vitkit/core';
import { makeBatch, mean, t2tRegistry, train } from '../testing';

const SMALL_SPLITS = { kernelSizes: [7, 3, 3], strides: [2, 2, 1], paddings: [3, 1, 1] };

describe('T2T-ViT trains on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it.each(['performer', 'transformer', 'convolution'])('%s T2T at 32 px: loss falls over 25 Adam steps, no tensor leak', (attention) => {
    tf.util.assert(tf.getBackend() === 'wasm', () => 'wasm expected');
    const registry = t2tRegistry();
    const model = buildModel(registry, {
      type: 'deep-narrow',
      imgSize: 32,
      numClasses: 4,
      embedDim: 32,
      depth: 2,
      numHeads: 2,
      mlpRatio: 2,
      tokenizer: { type: 't2t', attention, tokenDim: 16, ...SMALL_SPLITS },
    });
    const { x, y } = makeBatch(8, 32, 4);
    const before = tf.memory().numTensors;
    const { losses, counts } = train(model, x, y, 25, 5e-3);
    console.log(`wasm ${attention}: loss ${losses[0].toFixed(4)} → ${losses[losses.length - 1].toFixed(4)}; tensors ${counts[0]} … ${counts[counts.length - 1]}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-5))).toBeLessThan(0.6 * mean(losses.slice(0, 3)));
    // Adam creates its slots in step 1; after that the count must not grow.
    expect(new Set(counts.slice(1)).size).toBe(1);
    model.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before - 2);
  });

  it('the frozen parameters (pos_embed, performer w) are not updated by training', () => {
    const model = buildModel(t2tRegistry(), {
      type: 'deep-narrow',
      imgSize: 32,
      numClasses: 4,
      embedDim: 16,
      depth: 1,
      numHeads: 2,
      mlpRatio: 2,
      tokenizer: { type: 't2t', tokenDim: 8, ...SMALL_SPLITS },
    });
    const frozen = model.namedParameters().filter(([, p]) => !p.trainable);
    expect(frozen.map(([n]) => n).sort()).toEqual(['pos_embed', 'tokens_to_token.attention1.w', 'tokens_to_token.attention2.w']);
    const snap = frozen.map(([, p]) => p.variable.dataSync().slice());
    const { x, y } = makeBatch(4, 32, 4);
    train(model, x, y, 2, 1e-2);
    frozen.forEach(([n, p], i) => expect([n, tf.util.arraysEqual(p.variable.dataSync(), snap[i])]).toEqual([n, true]));
    model.dispose();
    tf.dispose([x, y]);
  });
});

