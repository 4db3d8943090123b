import { buildModel, tf, timmEvalTransform } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import { appRegistry } from '../registry';
import { TINY_VIT } from '../testing/tiny-models';
import { attentionPicture } from './attention-picture';

const transform = timmEvalTransform(16, 0.875, 'bicubic');

describe('attentionPicture: what the Predict tab draws under the results', () => {
  let registry: Registry;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registry = appRegistry();
  });

  async function pictureOf(spec: Parameters<typeof buildModel>[1]) {
    const model = buildModel(registry, spec).eval();
    const input = tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    try {
      const picture = await attentionPicture(model, input, transform);
      expect(tf.memory().numTensors).toBe(before);
      return picture;
    } finally {
      input.dispose();
      model.dispose();
    }
  }

  it('a ViT: the crop beside its attention rollout over the 4×4 patch grid', async () => {
    const { image, rows } = await pictureOf(TINY_VIT);
    expect([image.width, image.height]).toEqual([32, 16]);
    expect(rows).toEqual(['attention rollout: vit (4×4)']);
  });

  it('a CrossViT: one overlay per branch', async () => {
    const crossvit = { type: 'dual-branch', imgSize: [16, 16], patchSize: [4, 8], numClasses: 3, embedDim: [8, 16], depth: [[1, 1, 0]], numHeads: [2, 2], mlpRatio: [2, 2] };
    const { image, rows } = await pictureOf(crossvit);
    expect([image.width, image.height]).toEqual([48, 16]);
    expect(rows[0]).toMatch(/branch 0 \(4×4\), branch 1 \(2×2\)/);
  });

  it("a VT-ResNet: each visual token's spatial attention, a row per VT module (VT Figure 5)", async () => {
    const vt = { type: 'vt-resnet', layers: [1, 1, 1], widths: [4, 8, 8], numClasses: 3, imgSize: 16, tokenChannels: 8, numTokens: 3, vtModules: 2 };
    const { image, rows } = await pictureOf(vt);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/VT module 0: tokenizer attention of 3 tokens/);
    expect([image.width, image.height]).toEqual([16 * 4, 32]);
  });

  it('a model without attention (ResNet) is refused with the reason', async () => {
    await expect(pictureOf({ type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 4, 8, 8], imgSize: 16, numClasses: 3 })).rejects.toThrow(/has no attention to explain/);
  });
});
