/** mIoU, pixel accuracy and per-class IoU from a confusion matrix. */
export interface SegmentationScores {
  /** Mean IoU over the classes that occur in the labels or the predictions. */
  mIoU: number;
  /** Correct pixels / labelled pixels (ignored pixels excluded). */
  pixelAccuracy: number;
  /** IoU per class; null for a class absent from both labels and predictions (no evidence either way). */
  perClassIoU: Array<number | null>;
  /** Labelled pixels counted. */
  pixels: number;
}

/** A running confusion matrix over labelled pixels (rows: label, columns: prediction); the ignore index is skipped. */
export class ConfusionMatrix {
  readonly counts: Float64Array;

  constructor(readonly numClasses: number, readonly ignoreIndex = 255) {
    this.counts = new Float64Array(numClasses * numClasses);
  }

  update(predictions: ArrayLike<number>, labels: ArrayLike<number>): void {
    if (predictions.length !== labels.length) throw new Error(`ConfusionMatrix: ${predictions.length} predictions for ${labels.length} labels`);
    const k = this.numClasses;
    for (let i = 0; i < labels.length; i++) {
      const y = labels[i];
      if (y === this.ignoreIndex) continue;
      const p = predictions[i];
      if (!(y >= 0 && y < k) || !(p >= 0 && p < k)) throw new Error(`ConfusionMatrix: label ${y} or prediction ${p} at pixel ${i} is not a class of ${k}`);
      this.counts[y * k + p] += 1;
    }
  }

  scores(): SegmentationScores {
    const k = this.numClasses;
    let correct = 0;
    let total = 0;
    const perClassIoU: Array<number | null> = [];
    for (let c = 0; c < k; c++) {
      let row = 0;
      let col = 0;
      for (let j = 0; j < k; j++) {
        row += this.counts[c * k + j];
        col += this.counts[j * k + c];
      }
      const tp = this.counts[c * k + c];
      correct += tp;
      total += row;
      const union = row + col - tp;
      perClassIoU.push(union > 0 ? tp / union : null);
    }
    const present = perClassIoU.filter((v): v is number => v !== null);
    return {
      mIoU: present.length ? present.reduce((s, v) => s + v, 0) / present.length : 0,
      pixelAccuracy: total ? correct / total : 0,
      perClassIoU,
      pixels: total,
    };
  }
}
