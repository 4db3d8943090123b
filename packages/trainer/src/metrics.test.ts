import { ClassificationMetrics } from './metrics';

describe('ClassificationMetrics', () => {
  it('computes top-1, top-5, per-class accuracy and the confusion matrix', () => {
    const k = 6;
    const m = new ClassificationMetrics(k);
    // Rows: logits for 4 images over 6 classes.
    const logits = [
      [9, 1, 2, 3, 4, 5], // label 0: top-1
      [9, 8, 7, 6, 5, 4], // label 5: rank 6 → neither
      [1, 2, 3, 4, 6, 5], // label 5: rank 2 → top-5 only, predicted 4
      [0, 0, 0, 0, 0, 0], // label 2: all tied → not top-1 (ties count against), top-5 no (5 others >=)
    ].flat();
    m.update(logits, [0, 5, 5, 2], 4);
    const r = m.summary(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(r.count).toBe(4);
    expect(r.top1).toBe(1 / 4);
    expect(r.top5).toBe(2 / 4);
    expect(r.loss).toBe(1);
    expect(r.confusion[0][0]).toBe(1);
    expect(r.confusion[5][0]).toBe(1);
    expect(r.confusion[5][4]).toBe(1);
    expect(r.confusion[2][0]).toBe(1);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(4);
    expect(r.perClass[0]).toEqual({ class: 0, name: 'a', count: 1, accuracy: 1 });
    expect(r.perClass[5]).toEqual({ class: 5, name: 'f', count: 2, accuracy: 0 });
    expect(r.perClass[1].count).toBe(0);
    expect(Number.isNaN(r.perClass[1].accuracy)).toBe(true);
  });

  it('rejects logits that do not match the labels', () => {
    expect(() => new ClassificationMetrics(3).update([1, 2], [0])).toThrow(/2 logits for 1 labels × 3 classes/);
  });
});
