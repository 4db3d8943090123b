/** Accumulates classification metrics from logits on the host. */
export class ClassificationMetrics {
  readonly confusion: Int32Array;
  count = 0;
  top1 = 0;
  top5 = 0;
  lossSum = 0;

  constructor(readonly numClasses: number) {
    this.confusion = new Int32Array(numClasses * numClasses);
  }

  /** `logits` row-major [B, K]. */
  update(logits: Float32Array | number[], labels: ArrayLike<number>, lossSum = 0): void {
    const k = this.numClasses;
    const b = labels.length;
    if (logits.length !== b * k) throw new Error(`metrics: ${logits.length} logits for ${b} labels × ${k} classes`);
    for (let i = 0; i < b; i++) {
      const label = labels[i];
      const row = i * k;
      const target = logits[row + label];
      let pred = 0;
      let higher = 0;
      for (let j = 0; j < k; j++) {
        const v = logits[row + j];
        if (v > logits[row + pred]) pred = j;
        // Ties count against the label, so a constant output is never "correct".
        if (j !== label && v >= target) higher++;
      }
      if (higher === 0) this.top1++;
      if (higher < 5) this.top5++;
      this.confusion[label * k + pred]++;
    }
    this.count += b;
    this.lossSum += lossSum;
  }

  summary(classNames?: readonly string[]): EvalResult {
    const k = this.numClasses;
    const perClass: PerClass[] = [];
    for (let c = 0; c < k; c++) {
      let total = 0;
      for (let j = 0; j < k; j++) total += this.confusion[c * k + j];
      perClass.push({ class: c, name: classNames?.[c] ?? String(c), count: total, accuracy: total ? this.confusion[c * k + c] / total : NaN });
    }
    const matrix: number[][] = [];
    for (let c = 0; c < k; c++) matrix.push(Array.from(this.confusion.subarray(c * k, (c + 1) * k)));
    return {
      count: this.count,
      top1: this.count ? this.top1 / this.count : NaN,
      top5: this.count ? this.top5 / this.count : NaN,
      loss: this.count ? this.lossSum / this.count : NaN,
      perClass,
      confusion: matrix,
    };
  }
}

export interface PerClass {
  class: number;
  name: string;
  count: number;
  accuracy: number;
}

export interface EvalResult {
  count: number;
  top1: number;
  top5: number;
  /** Mean cross-entropy per image. */
  loss: number;
  perClass: PerClass[];
  /** confusion[true][predicted]. */
  confusion: number[][];
}
