import { buildModel, manualSeed, selectBackend, tf } from '@vitkit/core';
import { registerT2T } from '@vitkit/tokenizers';
import { testRegistry } from '../testing';


/**
 * CrossViT + T2T (paper §4.3) written as a plain spec: only registered names (`dual-branch`, `t2t`,
 * `cross-attention`). Tiny: 24 px input; branch 0 soft-splits 24 → 12 → 4 (16 tokens), branch 1 gets the
 * bicubic 16 px resize and splits 16 → 8 → 4 (16 tokens).
 */
const T2T_MIX = {
  type: 'dual-branch',
  imgSize: [24, 16],
  numClasses: 4,
  embedDim: [16, 32],
  depth: [[1, 1, 0]],
  numHeads: [2, 2],
  mlpRatio: [2, 2],
  tokenizer: [
    { type: 't2t', tokenDim: 8, kernelSizes: [3, 3], strides: [2, 3], paddings: [1, 0] },
    { type: 't2t', tokenDim: 8, kernelSizes: [3, 3], strides: [2, 2], paddings: [1, 1] },
  ],
  fusion: 'cross-attention',
};

describe('CrossViT + T2T tokenizers', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it('builds from a spec with registered names only and trains with falling loss on wasm', () => {
    const registry = testRegistry(registerT2T);
    manualSeed(3);
    const model = buildModel(registry, T2T_MIX as never);
    const names = model.namedParameters().map(([n]) => n);
    expect(names.some((n) => n.startsWith('patch_embed.0.attention1.'))).toBe(true);
    expect(names.some((n) => n.startsWith('patch_embed.1.project.'))).toBe(true);
    expect(model.namedParameters().find(([n]) => n === 'pos_embed.0')![1].shape).toEqual([1, 17, 16]);

    const x = tf.randomNormal([8, 24, 24, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
    const opt = tf.train.adam(3e-3);
    const vars = model.trainableVariables();
    model.train();
    const losses: number[] = [];
    let live = 0;
    for (let s = 0; s < 25; s++) {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar, true, vars)!;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      if (s === 0) live = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(live);
    console.log(`t2t mix: loss ${losses[0].toFixed(4)} → ${losses[losses.length - 1].toFixed(4)}`);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });

  it('the crossvit_18_t2t_240 preset resolves to T2T tokenizers with the CrossViT token grids', () => {
    const registry = testRegistry(registerT2T);
    const spec = registry.preset('crossvit_18_t2t_240')!.spec as unknown as { tokenizer: Array<{ type: string }> };
    expect(spec.tokenizer.map((t) => t.type)).toEqual(['t2t', 't2t']);
    // The tokenizers alone (the 43M-parameter body is built in counts.test.ts): 20×20 tokens at 240, 14×14 at 224.
    const toks = spec.tokenizer.map((t, i) =>
      registry.build<{ numTokens: number; embedDim: number; dispose(): void }>('tokenizer', t, `model.tokenizer[${i}]`, { imgSize: [240, 224][i], embedDim: 448, inChans: 3 }),
    );
    expect(toks.map((t) => t.numTokens)).toEqual([400, 196]);
    toks.forEach((t) => t.dispose());
  });
});
