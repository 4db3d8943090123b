import { tf } from '../tf';
import { useBackend } from '../testing/backends';
import { GELU } from './activations';
import { BatchNorm2d } from './batch-norm';
import { Dropout } from './dropout';
import { Identity, Layer, Sequential } from './layer';
import { LayerNorm } from './layer-norm';
import { Linear } from './linear';
import { Module, ModuleList } from './module';

/** A module with a frozen parameter (like T2T-ViT's sinusoid pos_embed or the performer's `w`). */
class WithFrozen extends Module {
  readonly cls = this.addParameter('cls_token', tf.zeros([1, 1, 4]));
  readonly pos = this.addParameter('pos_embed', tf.zeros([1, 5, 4]), { trainable: false });
  readonly blocks = this.addModule('blocks', new ModuleList([new Linear(4, 4), new Linear(4, 2, { bias: false })]));
  readonly norm = this.addModule('norm', new BatchNorm2d(3));
}

class BadNames extends Module {
  tryAdd(name: string): void {
    this.addParameter(name, tf.zeros([1]));
  }
}

describe('Module / ModuleList / Sequential', () => {
  beforeAll(() => useBackend('cpu'));

  it('ModuleList names children 0, 1, ... and composes dotted PyTorch names', () => {
    const m = new WithFrozen();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'cls_token',
      'pos_embed',
      'blocks.0.weight',
      'blocks.0.bias',
      'blocks.1.weight',
      'norm.weight',
      'norm.bias',
    ]);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['norm.running_mean', 'norm.running_var']);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'blocks', 'blocks.0', 'blocks.1', 'norm']);
    expect(m.blocks.length).toBe(2);
    expect(m.blocks.at(1)).toBeInstanceOf(Linear);
    expect(() => m.blocks.at(2)).toThrow(/ModuleList index 2 out of range \(length 2\)/);
    m.dispose();
  });

  it('Sequential keeps the indices of parameter-free layers (LN, GELU, Linear = .0, .1, .2)', () => {
    const seq = new Sequential([new LayerNorm(4, 1e-6), new GELU(), new Linear(4, 3)]);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const outer = new Sequential([new Identity(), seq]);
    expect(outer.namedParameters().map(([n]) => n)).toEqual(['1.0.weight', '1.0.bias', '1.2.weight', '1.2.bias']);
    outer.dispose();
  });

  it('Sequential applies its layers in order', () => {
    class AddOne extends Layer {
      forward(x: tf.Tensor) {
        return tf.add(x, 1);
      }
    }
    class Double extends Layer {
      forward(x: tf.Tensor) {
        return tf.mul(x, 2);
      }
    }
    const y = new Sequential([new AddOne(), new Double(), new AddOne()]).forward(tf.tensor1d([0, 1]));
    expect(Array.from(y.dataSync())).toEqual([3, 5]); // (x + 1)·2 + 1
    y.dispose();
  });

  it('countParameters counts frozen parameters in total but not in trainable, and never counts buffers', () => {
    const m = new WithFrozen();
    const cls = 4;
    const pos = 20;
    const lin0 = 16 + 4;
    const lin1 = 8;
    const bn = 3 + 3;
    expect(m.countParameters()).toEqual({ total: cls + pos + lin0 + lin1 + bn, trainable: cls + lin0 + lin1 + bn });
    expect(m.trainableVariables()).toHaveLength(6);
    expect(m.trainableVariables()).not.toContain(m.pos.variable);
    expect(m.pos.trainable).toBe(false);
    expect(m.pos.variable.trainable).toBe(false);
    m.dispose();
  });

  it('train()/eval() propagate to every descendant', () => {
    const drop = new Dropout(0.5);
    const inner = new Sequential([new Linear(2, 2), drop]);
    const m = new Sequential([inner, new BatchNorm2d(2)]);
    expect(m.namedModules().every(([, c]) => c.training)).toBe(true);
    expect(m.eval()).toBe(m);
    expect(m.namedModules().every(([, c]) => !c.training)).toBe(true);
    expect(drop.training).toBe(false);
    m.train();
    expect(m.namedModules().every(([, c]) => c.training)).toBe(true);
    inner.eval();
    expect(m.training).toBe(true);
    expect(drop.training).toBe(false);
    m.train(false);
    expect(m.namedModules().every(([, c]) => !c.training)).toBe(true);
    m.dispose();
  });

  it('rejects duplicate and dotted member names', () => {
    const m = new BadNames();
    m.tryAdd('w');
    expect(() => m.tryAdd('w')).toThrow(/BadNames: member "w" is already defined/);
    expect(() => m.tryAdd('a.b')).toThrow(/must be non-empty and contain no dot/);
    expect(() => m.tryAdd('')).toThrow(/must be non-empty/);
    m.dispose();
  });

  it('dispose() releases every variable of the tree', () => {
    const before = tf.memory().numTensors;
    const m = new WithFrozen();
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
