import { topK } from './top-k';

describe('topK', () => {
  it('ranks the most probable classes first and names them', () => {
    expect(topK([0.1, 0.5, 0.15, 0.25], 3, ['a', 'b', 'c', 'd'])).toEqual([
      { index: 1, label: 'b', probability: 0.5 },
      { index: 3, label: 'd', probability: 0.25 },
      { index: 2, label: 'c', probability: 0.15 },
    ]);
  });

  it('labels a class without a name by its index, and gives all classes when k exceeds them', () => {
    expect(topK(new Float32Array([0.25, 0.75]), 5, []).map((c) => c.label)).toEqual(['class 1', 'class 0']);
  });

  it('rejects a k that is not a positive integer', () => {
    expect(() => topK([1], 0, [])).toThrow('topK: k must be a positive integer, got 0');
    expect(() => topK([1], 1.5, [])).toThrow('got 1.5');
  });
});
