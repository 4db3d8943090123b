import { selectBackend, tf } from '@vitkit/core';
import { attentionRollout, rolloutMatrix } from './rollout';

describe('attention rollout', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('matches a hand computation for 2 layers × 3 tokens (heads averaged, + I, rows renormalised, multiplied)', () => {
    // Layer 1, two heads: mean [[0,½,½],[0,1,0],[0,0,1]]; + I and renormalised: [[½,¼,¼],[0,1,0],[0,0,1]].
    const layer1 = tf.tensor4d([[[[0, 1, 0], [0, 1, 0], [0, 0, 1]], [[0, 0, 1], [0, 1, 0], [0, 0, 1]]]]);
    // Layer 2, one head (a cyclic shift); + I and renormalised: [[½,0,½],[½,½,0],[0,½,½]].
    const layer2 = tf.tensor4d([[[[0, 0, 1], [1, 0, 0], [0, 1, 0]]]]);
    // R = Ã₂·Ã₁
    const expected = [0.25, 0.125, 0.625, 0.25, 0.625, 0.125, 0, 0.5, 0.5];
    const joint = rolloutMatrix([layer1, layer2]);
    expect(joint.shape).toEqual([1, 3, 3]);
    Array.from(joint.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    // the class token's row over the two patch tokens, as a 1×2 grid
    const map = attentionRollout([layer1, layer2], [1, 2]);
    expect(map.shape).toEqual([1, 1, 2]);
    Array.from(map.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.125, 0.625][i], 6));
    tf.dispose([layer1, layer2, joint, map]);
  });

  it('gives the identity for identity attention, at any depth and batch', () => {
    const eye = tf.tidy(() => tf.tile(tf.eye(4).reshape([1, 1, 4, 4]), [2, 3, 1, 1])) as tf.Tensor4D;
    const joint = rolloutMatrix([eye, eye, eye]);
    const want = tf.tidy(() => tf.tile(tf.eye(4).expandDims(0), [2, 1, 1]));
    expect(Array.from(joint.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([eye, joint, want]);
  });

  it('leaves no tensor behind and names bad input', () => {
    const a = tf.tidy(() => tf.softmax(tf.randomNormal([1, 2, 5, 5], 0, 1, 'float32', 1))) as tf.Tensor4D;
    const b = tf.tidy(() => tf.softmax(tf.randomNormal([1, 2, 4, 4], 0, 1, 'float32', 2))) as tf.Tensor4D;
    const start = tf.memory().numTensors;
    tf.dispose(attentionRollout([a, a], [2, 2]));
    expect(tf.memory().numTensors).toBe(start);
    expect(() => rolloutMatrix([])).toThrow(/no attention maps/);
    expect(() => rolloutMatrix([a, b])).toThrow(/map 1 has shape \[1,2,4,4\]/);
    expect(() => attentionRollout([a], [3, 3])).toThrow(/3×3 patch grid does not fit 5 tokens/);
    tf.dispose([a, b]);
  });
});
