import { AttentionRecorder, buildModel, createRegistry, selectBackend, tf } from '@vitkit/core';
import type { ImageClassifier, ModelSpec } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as fusion } from '@vitkit/fusion';
import { focusClassToken, TINY_VIT_GRID, TINY_VIT_SPEC } from '@vitkit/explain/testing';
import { crossVitRollouts, modelRollouts, vitRollout } from './model-rollouts';

const registry = createRegistry({ plugins: [tokenizers, backbones, fusion] });

function record(model: ImageClassifier, x: tf.Tensor4D): AttentionRecorder {
  const rec = AttentionRecorder.start(model);
  try {
    tf.tidy(() => void model.forward(x));
  } finally {
    rec.stop();
  }
  return rec;
}

describe('model rollouts', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('a ViT whose class token attends only to one patch gives a rollout peaked at that patch', () => {
    const model = buildModel(registry, TINY_VIT_SPEC as unknown as ModelSpec);
    model.eval();
    const [gh, gw] = TINY_VIT_GRID;
    for (const patch of [5, 14]) {
      focusClassToken(model, patch);
      const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', patch) as tf.Tensor4D;
      const rec = record(model, x);
      expect(rec.maps.map((m) => m.path)).toEqual(['blocks.0.attn', 'blocks.1.attn']);
      const map = vitRollout(rec.maps, model.config.inputSize);
      expect(map.shape).toEqual([2, gh, gw]);
      const values = map.arraySync().map((img) => img.flat());
      for (const v of values) {
        expect(v.indexOf(Math.max(...v))).toBe(patch);
        // Ã₀ gives the focused patch ½; the other patches only get flow through block 2's uniform rows (< 1/N each)
        v.forEach((flow, i) => i !== patch && expect(flow).toBeLessThan(v[patch] / 10));
      }
      tf.dispose([x, map]);
      rec.dispose();
    }
    model.dispose();
  });

  it('gives one rollout per CrossViT branch on its own patch grid, with the logits unchanged', () => {
    const spec = {
      type: 'dual-branch', imgSize: [24, 16], patchSize: [6, 8], inChans: 3, numClasses: 3, embedDim: [8, 16],
      depth: [[1, 2, 0], [1, 1, 0]], numHeads: [2, 2], mlpRatio: [2, 2], tokenizer: 'patch', fusion: 'cross-attention',
    };
    const model = buildModel(registry, spec as unknown as ModelSpec);
    model.eval();
    const x = tf.randomUniform([1, 24, 24, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const plain = model.forward(x);
    const rec = AttentionRecorder.start(model);
    const recorded = model.forward(x);
    rec.stop();
    // recording recomputes the probabilities on the side: the logits are bit-identical
    expect(Array.from(recorded.dataSync())).toEqual(Array.from(plain.dataSync()));
    tf.dispose([plain, recorded]);
    const maps = crossVitRollouts(rec.maps, model.config.inputSize);
    expect(maps.map((m) => m.shape)).toEqual([[1, 4, 4], [1, 2, 2]]);
    const named = modelRollouts(rec.maps, model.config.inputSize);
    expect(named.map((r) => r.name)).toEqual(['branch 0', 'branch 1']);
    expect(() => vitRollout(rec.maps, model.config.inputSize)).toThrow(/no backbone block attention \(blocks\.\{i\}\.attn\) among the recorded paths: blocks\.0\.blocks\.0\.0\.attn/);
    tf.dispose([x, ...maps, ...named.map((r) => r.map)]);
    rec.dispose();
    model.dispose();
  });
});
