import * as fs from 'fs';
import { selectBackend, tf } from '@vitkit/core';
import { exportOnnx } from './export';
import { FIXTURES, loadFixture } from './testing/fixtures';
import { maxAbsDiff, runOrt } from './testing/ort';

const FIXTURE_NAMES = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.safetensors'))
  .map((f) => f.replace(/\.safetensors$/, ''))
  .sort();

describe('official parity fixtures → vitkit → ONNX → onnxruntime reproduce __logits__', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
  });

  it('covers every family of the fixtures (T2T-ViT, CrossViT, ResNet)', () => {
    for (const family of ['t2t_', 'crossvit_', 'resnet']) expect(FIXTURE_NAMES.some((n) => n.startsWith(family))).toBe(true);
  });

  it.each(FIXTURE_NAMES)('%s: ort logits within 1e-4 of the fixture, at the fixture batch and at batch 1', async (name) => {
    const { model, input, logits } = await loadFixture(name);
    try {
      const bytes = exportOnnx(model);
      const full = await runOrt(bytes, input);
      expect(maxAbsDiff(full.data, logits)).toBeLessThanOrEqual(1e-4);
      const first = tf.slice(input, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      const one = await runOrt(bytes, first);
      first.dispose();
      const classes = full.dims[1];
      expect(maxAbsDiff(one.data, logits.subarray(0, classes))).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
      input.dispose();
    }
  });
});
