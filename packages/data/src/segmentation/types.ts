/** Label value of pixels that count for no class (loss and metrics skip them), as in COCO-Stuff / Cityscapes tooling. */
export const IGNORE_INDEX = 255;

/** One segmentation example: an HWC float image in [0, 1] and its per-pixel labels (`H·W`, 255 = ignore). */
export interface SegSample {
  image: Float32Array;
  mask: Uint8Array;
}

/** A random-access image + mask dataset. */
export interface SegDataset {
  readonly name: string;
  readonly length: number;
  /** Classes 0 … numClasses − 1; the mask value 255 is the ignore index, never a class. */
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /** `[height, width, channels]` of every image (and `[height, width]` of every mask). */
  readonly shape: readonly [number, number, number];
  readonly stats: { mean: readonly number[]; std: readonly number[] };
  get(index: number): Promise<SegSample>;
}

/** A mask file that does not fit its image or its dataset; the message names the file. */
export class MaskError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'MaskError';
  }
}

/** Throws a `MaskError` naming `file` at the first label that is neither a class of `numClasses` nor the ignore index. */
export function checkMaskLabels(mask: ArrayLike<number>, width: number, numClasses: number, file: string): void {
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i];
    if (v >= numClasses && v !== IGNORE_INDEX) {
      throw new MaskError(file, `label ${v} at row ${Math.floor(i / width)}, column ${i % width} is out of range: classes are 0..${numClasses - 1}, ${IGNORE_INDEX} = ignore`);
    }
  }
}
