import { tf } from '../tf';
import { useBackend } from '../testing/backends';
import { Module } from './module';
import { ParameterList } from './parameter-list';

class TwoBranches extends Module {
  readonly pos_embed = this.addModule('pos_embed', new ParameterList());
}

describe('ParameterList', () => {
  beforeAll(() => useBackend('cpu'));

  it('names its parameters 0, 1, ... under the owner (PyTorch nn.ParameterList state-dict keys)', () => {
    const m = new TwoBranches();
    m.pos_embed.push(tf.zeros([1, 5, 4]), { decay: false });
    m.pos_embed.push(tf.ones([1, 2, 8]));
    expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['pos_embed.0', [1, 5, 4]],
      ['pos_embed.1', [1, 2, 8]],
    ]);
    expect(m.pos_embed.length).toBe(2);
    expect(m.pos_embed.at(0).decay).toBe(false);
    expect(m.pos_embed.at(1).decay).toBe(true);
    m.dispose();
  });

  it('an index out of range names the index and the length', () => {
    const list = new ParameterList();
    list.push(tf.zeros([1]));
    expect(() => list.at(3)).toThrow('ParameterList index 3 out of range (length 1)');
    list.dispose();
  });
});
