import { buildModel, manualSeed, selectBackend, tf } from '@vitkit/core';
import { makeBatch, mean, t2tRegistry, train } from '../testing';

// cpu is ~30× slower than wasm (and the machine is shared): tiny models, few steps, in their own file.
describe('T2T-ViT trains on cpu', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
  });

  // cpu is ~30× slower than wasm: 16 px images, 16 tokens, one block.
  const tiny = (attention: string) => ({
    type: 'deep-narrow',
    imgSize: 16,
    numClasses: 4,
    embedDim: 16,
    depth: 1,
    numHeads: 2,
    mlpRatio: 2,
    tokenizer: { type: 't2t', attention, tokenDim: 8, kernelSizes: [3, 3, 3], strides: [2, 2, 1], paddings: [1, 1, 1] },
  });

  it.each(['performer', 'transformer', 'convolution'])('%s T2T at 16 px: loss falls over 20 Adam steps, no tensor leak', (attention) => {
    tf.util.assert(tf.getBackend() === 'cpu', () => 'cpu expected');
    manualSeed(1); // fixed init: deterministic test (seeds 1-3 all train; tiny performers can stall from an unlucky init)
    const model = buildModel(t2tRegistry(), tiny(attention));
    const { x, y } = makeBatch(4, 16, 4);
    const { losses, counts } = train(model, x, y, 20, 1e-2);
    console.log(`cpu ${attention}: loss ${losses[0].toFixed(4)} → ${losses[losses.length - 1].toFixed(4)}; tensors ${counts[0]} … ${counts[counts.length - 1]}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-5))).toBeLessThan(0.7 * mean(losses.slice(0, 3)));
    expect(new Set(counts.slice(1)).size).toBe(1);
    model.dispose();
    tf.dispose([x, y]);
  });
});
