import * as fs from 'fs';
import * as path from 'path';
import type sharpType from 'sharp';
import { checkIndex } from '../datasets/common';
import { decodeImageFile, IMAGE_EXTENSIONS, IMAGENET_STATS } from '../datasets/image-folder';
import { cropResizeNearest, makeImage } from '../image';
import { checkMaskLabels, MaskError, SegDataset, SegSample } from './types';

function loadSharp(): typeof sharpType {
  try {
    return require('sharp') as typeof sharpType;
  } catch (e) {
    throw new Error(`mask-folder decodes images and masks with "sharp", which failed to load: ${(e as Error).message}. Install it with: npm install sharp`);
  }
}

export interface MaskFolderOptions {
  /** Root folder with `images/` and `masks/` (or a split of it, see `split`). */
  dir: string;
  /** A sub-folder of `dir` holding `images/` and `masks/` (`train`, `val`, …). */
  split?: string;
  /** Number of classes: mask values 0 … numClasses − 1 are classes, 255 is ignored, anything else is an error. */
  numClasses: number;
  classNames?: string[];
  /** Resize every image (bilinear) and mask (nearest) to `[height, width]`; default: the images' own size (all equal). */
  imageSize?: [number, number];
  channels?: 1 | 3;
  mean?: number[];
  std?: number[];
}

export interface MaskFile {
  image: string;
  mask: string;
}

/**
 * A folder of images and PNG label masks:
 *
 *     <dir>/[<split>/]images/<name>.png|jpg|jpeg|webp
 *     <dir>/[<split>/]masks/<name>.png      one mask per image, same base name, same width and height
 *
 * A mask is a single-channel (greyscale) 8-bit PNG whose pixel value is the class index (0 … numClasses − 1) or 255 for
 * "ignore" (pixels the loss and the metrics skip). Palette or RGB masks are refused (convert them to class indices
 * first). A missing mask, a mask of another size, or a value out of range is an error naming the file, raised when
 * the sample is read (`check()` reads them all up front).
 */
export class MaskFolderDataset implements SegDataset {
  readonly name: string;
  readonly classNames: readonly string[];
  readonly stats: { mean: readonly number[]; std: readonly number[] };

  private constructor(
    readonly root: string,
    readonly files: readonly MaskFile[],
    readonly shape: readonly [number, number, number],
    private readonly options: MaskFolderOptions,
    private readonly resize: boolean,
  ) {
    this.name = `mask-folder:${root}`;
    this.classNames = options.classNames ?? Array.from({ length: options.numClasses }, (_, i) => String(i));
    const defaults = shape[2] === 1 ? { mean: [0.449], std: [0.226] } : IMAGENET_STATS;
    this.stats = { mean: options.mean ?? defaults.mean, std: options.std ?? defaults.std };
  }

  get length(): number {
    return this.files.length;
  }

  get numClasses(): number {
    return this.options.numClasses;
  }

  /** Lists `images/` and pairs every image with `masks/<name>.png`; a missing mask is an error naming both files. */
  static async open(options: MaskFolderOptions): Promise<MaskFolderDataset> {
    const root = options.split ? path.join(options.dir, options.split) : options.dir;
    const imagesDir = path.join(root, 'images');
    const masksDir = path.join(root, 'masks');
    for (const d of [imagesDir, masksDir]) {
      if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new Error(`mask-folder: ${d} is not a folder (expected <dir>/images and <dir>/masks)`);
    }
    if (options.classNames && options.classNames.length !== options.numClasses) {
      throw new Error(`mask-folder: ${options.classNames.length} class names for ${options.numClasses} classes`);
    }
    const names = (await fs.promises.readdir(imagesDir)).filter((n) => !n.startsWith('.') && (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(n).toLowerCase())).sort();
    if (!names.length) throw new Error(`mask-folder: no images in ${imagesDir}`);
    const files = names.map((n) => {
      const mask = path.join(masksDir, `${path.basename(n, path.extname(n))}.png`);
      if (!fs.existsSync(mask)) throw new MaskError(mask, `missing: the mask of ${path.join(imagesDir, n)} (every image needs masks/<name>.png)`);
      return { image: path.join(imagesDir, n), mask };
    });
    const sharp = loadSharp();
    const meta = await sharp(files[0].image).metadata();
    const size: [number, number] = options.imageSize ?? [meta.height ?? 0, meta.width ?? 0];
    return new MaskFolderDataset(root, files, [size[0], size[1], options.channels ?? 3], options, options.imageSize !== undefined);
  }

  /** Reads every sample once, so a bad mask fails now rather than mid-training. */
  async check(): Promise<void> {
    for (let i = 0; i < this.length; i++) await this.get(i);
  }

  async get(index: number): Promise<SegSample> {
    checkIndex(this, index);
    const { image, mask } = this.files[index];
    const sharp = loadSharp();
    const meta = await sharp(image).metadata();
    const ih = meta.height ?? 0;
    const iw = meta.width ?? 0;
    const [h, w, c] = this.shape;
    if (!this.resize && (ih !== h || iw !== w)) throw new Error(`${image}: ${iw}x${ih} differs from the dataset's ${w}x${h}; give imageSize to resize every sample`);
    let mmeta: sharpType.Metadata;
    let raw: { data: Buffer; info: sharpType.OutputInfo };
    try {
      mmeta = await sharp(mask).metadata();
      if (mmeta.format !== 'png') throw new MaskError(mask, `is ${mmeta.format}, masks must be PNG (lossless)`);
      // The file's own channel count: sharp would expand a greyscale mask to sRGB on the way out.
      if (mmeta.channels !== 1) throw new MaskError(mask, `has ${mmeta.channels} channels; a mask must be a single-channel (greyscale) 8-bit PNG of class indices`);
      if (mmeta.depth !== 'uchar') throw new MaskError(mask, `has ${mmeta.depth} samples; a mask must be an 8-bit PNG`);
      raw = await sharp(mask, { failOn: 'error' }).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    } catch (e) {
      if (e instanceof MaskError) throw e;
      throw new MaskError(mask, `cannot decode: ${(e as Error).message}`);
    }
    if (raw.info.width !== iw || raw.info.height !== ih) throw new MaskError(mask, `is ${raw.info.width}x${raw.info.height} but its image ${image} is ${iw}x${ih}`);
    checkMaskLabels(raw.data, iw, this.numClasses, mask);
    const img = await decodeImageFile(image, [h, w, c]);
    let labels = new Uint8Array(raw.data.buffer, raw.data.byteOffset, iw * ih);
    if (this.resize && (ih !== h || iw !== w)) {
      const resized = cropResizeNearest(makeImage(ih, iw, 1, Float32Array.from(labels)), 0, 0, ih, iw, h, w);
      labels = Uint8Array.from(resized.data);
    }
    return { image: img, mask: Uint8Array.from(labels) };
  }
}
