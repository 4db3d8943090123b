import { tf } from '../tf';
import { useBackend } from '../testing/backends';
import { AttentionRecorder } from './attention-recorder';
import { Attention } from './attention';
import { Block } from './block';
import { Layer } from './layer';
import { ModuleList } from './module';
import { manualSeed } from './rng';

/** A ViT trunk without the patch embedding: `blocks.{i}` of timm Blocks over `[B, N, C]` tokens. */
class TinyTrunk extends Layer {
  readonly blocks: ModuleList<Block>;

  constructor(dim: number, depth: number, numHeads: number) {
    super();
    this.blocks = this.addModule('blocks', new ModuleList<Block>());
    for (let i = 0; i < depth; i++) this.blocks.push(new Block(dim, { numHeads, mlpRatio: 2, qkvBias: true, normEps: 1e-6 }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.blocks.items.reduce((h, b) => b.forward(h), x));
  }
}

describe('AttentionRecorder', () => {
  beforeAll(() => useBackend('cpu'));

  const [batch, tokens, dim, depth, heads] = [2, 5, 8, 3, 2];
  const build = () => {
    manualSeed(7);
    const model = new TinyTrunk(dim, depth, heads);
    model.eval();
    return model;
  };

  it('records one [B, heads, N, N] map per block under its parameter path and leaves the output unchanged', () => {
    const model = build();
    const x = tf.randomNormal([batch, tokens, dim], 0, 1, 'float32', 3);
    const plain = model.forward(x);
    const rec = AttentionRecorder.start(model);
    const recorded = tf.tidy(() => model.forward(x));
    rec.stop();
    expect(Array.from(recorded.dataSync())).toEqual(Array.from(plain.dataSync()));
    expect(rec.maps.map((m) => m.path)).toEqual(['blocks.0.attn', 'blocks.1.attn', 'blocks.2.attn']);
    for (const m of rec.maps) {
      expect(m.probs.shape).toEqual([batch, heads, tokens, tokens]);
      expect(m.probs.isDisposed).toBe(false);
      // rows are probability distributions
      const rowSums = tf.tidy(() => tf.sum(m.probs, -1));
      for (const s of rowSums.dataSync()) expect(s).toBeCloseTo(1, 5);
      rowSums.dispose();
    }
    rec.dispose();
    tf.dispose([x, plain, recorded]);
    model.dispose();
  });

  it('frees every recorded tensor on dispose and keeps nothing when not recording', () => {
    const model = build();
    const x = tf.randomNormal([batch, tokens, dim], 0, 1, 'float32', 4);
    const start = tf.memory().numTensors;
    const rec = AttentionRecorder.start(model);
    tf.tidy(() => void model.forward(x));
    expect(tf.memory().numTensors).toBe(start + depth);
    rec.dispose();
    expect(tf.memory().numTensors).toBe(start);
    tf.tidy(() => void model.forward(x));
    expect(tf.memory().numTensors).toBe(start);
    expect(() => rec.maps).toThrow(/disposed/);
    tf.dispose(x);
    model.dispose();
  });

  it('allows one recorder at a time and names modules outside the recorded model', () => {
    const model = build();
    const stray = new Attention(dim, { numHeads: heads });
    const rec = AttentionRecorder.start(model);
    expect(() => AttentionRecorder.start(model)).toThrow(/another recorder is still recording/);
    const x = tf.randomNormal([1, tokens, dim], 0, 1, 'float32', 5);
    tf.tidy(() => void stray.forward(x));
    expect(rec.maps.map((m) => m.path)).toEqual(['(outside the recorded model) Attention']);
    rec.dispose();
    expect(AttentionRecorder.recording).toBe(false);
    tf.dispose(x);
    stray.dispose();
    model.dispose();
  });
});
