import * as fs from 'fs';
import * as path from 'path';
import type sharpType from 'sharp';
import type { Dataset, Sample } from '../types';
import { requireOptional } from '../optional-packages';
import { checkIndex } from './common';
import { assertImageFile } from './image-file-check';

export const IMAGENET_STATS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;
const FORMATS = new Set(['jpeg', 'png', 'webp']);

type Sharp = typeof sharpType;
let sharpModule: Sharp | undefined;
function loadSharp(): Sharp {
  if (!sharpModule) {
    sharpModule = requireOptional<Sharp>('sharp');
  }
  return sharpModule;
}

export interface ImageFolderOptions {
  /** Root folder: one sub-folder per class (searched recursively), like torchvision's `ImageFolder`. */
  dir: string;
  /** A sub-folder of `dir` to use (`train`, `val`, `test`, ...), when the root holds splits. */
  split?: string;
  /** Every image is decoded and resized to this `[height, width]` (a number means square). */
  imageSize?: number | [number, number];
  channels?: 1 | 3;
  /** How the image is fitted to `imageSize` (sharp semantics): `cover` = resize shorter side then centre crop. */
  fit?: 'cover' | 'fill' | 'contain';
  /** A corrupt or unsupported file: `error` (default) throws naming the file; `skip` drops it with a counted warning. */
  onError?: 'error' | 'skip';
  /**
   * What the initial scan verifies: `header` (default) reads each file's header (catches non-images, wrong
   * formats, most corrupt files); `decode` decodes every file once (thorough, slow); `none` only lists files
   * (fastest for huge folders; corrupt files then surface when first read).
   */
  check?: 'header' | 'decode' | 'none';
  extensions?: string[];
  /** Explicit class folders (and their order); default: every sub-folder, sorted. */
  classes?: string[];
  mean?: number[];
  std?: number[];
  /** Receives the skip warnings (default `console.warn`). */
  onWarning?: (message: string) => void;
  /** Files decoded at once during the scan. */
  concurrency?: number;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface DecodeImageOptions {
  /** How the image is fitted (sharp semantics); default `fill` (stretch). */
  fit?: 'cover' | 'contain' | 'fill' | 'inside' | 'outside';
  /** Padding colour for `contain`, per channel in [0, 1]. */
  background?: readonly number[];
  /** Resampling kernel; default `bilinear`. sharp antialiases when it shrinks, as PIL does for torchvision. */
  interpolation?: 'bilinear' | 'bicubic';
}

/**
 * Decodes a JPEG/PNG/WebP file to a float HWC image in [0, 1] of `[height, width, channels]` (1 = greyscale,
 * 3 = sRGB), bilinear resize. Errors name the file.
 */
export async function decodeImageFile(file: string, shape: readonly [number, number, number], options: DecodeImageOptions = {}): Promise<Float32Array> {
  await assertImageFile(file);
  const sharp = loadSharp();
  const [h, w, c] = shape;
  const bg = (options.background ?? [0, 0, 0]).map((m) => Math.round(m * 255));
  let data: Buffer;
  let info: { width: number; height: number; channels: number };
  try {
    let p = sharp(file, { failOn: 'error' }).removeAlpha();
    p = c === 1 ? p.grayscale() : p.toColourspace('srgb');
    p = p.resize(w, h, {
      fit: options.fit ?? 'fill',
      position: 'centre',
      kernel: options.interpolation === 'bicubic' ? 'cubic' : 'linear',
      background: c === 1 ? { r: bg[0], g: bg[0], b: bg[0] } : { r: bg[0], g: bg[1] ?? bg[0], b: bg[2] ?? bg[0] },
    });
    ({ data, info } = await p.raw().toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw new Error(`cannot decode image ${file}: ${(e as Error).message}`);
  }
  if (info.width !== w || info.height !== h) throw new Error(`${file}: decoded to ${info.width}x${info.height}, expected ${w}x${h}`);
  const out = new Float32Array(h * w * c);
  const ic = info.channels;
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < c; k++) out[i * c + k] = data[i * ic + (ic === 1 ? 0 : k)] / 255;
  }
  return out;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
}

/**
 * Images in class folders, decoded on demand with sharp (JPEG, PNG, WebP): only the file list is kept in
 * memory, so a folder of a million images streams. Every sample is resized to `imageSize` at decode time.
 */
export class ImageFolderDataset implements Dataset {
  readonly name: string;
  readonly shape: readonly [number, number, number];
  readonly stats: { mean: readonly number[]; std: readonly number[] };
  /** Files dropped by the scan or at decode time (`onError: 'skip'`). */
  readonly skipped: SkippedFile[] = [];
  private readonly skippedAtRead = new Set<number>();

  private constructor(
    readonly root: string,
    readonly classNames: readonly string[],
    readonly files: readonly string[],
    private readonly labels: Int32Array,
    private readonly options: Required<Pick<ImageFolderOptions, 'channels' | 'fit' | 'onError'>> & ImageFolderOptions,
    size: [number, number],
  ) {
    this.name = `image-folder:${root}`;
    this.shape = [size[0], size[1], options.channels];
    const defaults = options.channels === 1 ? { mean: [0.449], std: [0.226] } : IMAGENET_STATS;
    this.stats = { mean: options.mean ?? defaults.mean, std: options.std ?? defaults.std };
  }

  get length(): number {
    return this.files.length;
  }
  get numClasses(): number {
    return this.classNames.length;
  }
  label(index: number): number {
    checkIndex(this, index);
    return this.labels[index];
  }

  static async open(opts: ImageFolderOptions): Promise<ImageFolderDataset> {
    const options = { channels: 3 as const, fit: 'cover' as const, onError: 'error' as const, ...opts };
    const warn = options.onWarning ?? ((m: string) => console.warn(m));
    let root = path.resolve(options.dir);
    if (options.split) root = path.join(root, options.split);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(root);
    } catch {
      throw new Error(`image-folder: ${root} does not exist${options.split ? ` (split "${options.split}" of ${path.resolve(options.dir)})` : ''}`);
    }
    if (!stat.isDirectory()) throw new Error(`image-folder: ${root} is not a folder`);
    const entries = await fs.promises.readdir(root, { withFileTypes: true });
    const found = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
    const classNames = options.classes ?? found;
    for (const c of classNames) {
      if (!found.includes(c)) throw new Error(`image-folder: class folder ${path.join(root, c)} does not exist`);
    }
    if (!classNames.length) throw new Error(`image-folder: ${root} has no class sub-folders (expected ${root}/<class>/<image>)`);
    const exts = new Set((options.extensions ?? [...IMAGE_EXTENSIONS]).map((e) => e.toLowerCase()));
    const skipped: SkippedFile[] = [];
    const files: string[] = [];
    const labels: number[] = [];
    const reject = (file: string, reason: string) => {
      if (options.onError === 'error') throw new Error(`image-folder: ${file}: ${reason} (set onError: 'skip' to skip such files)`);
      skipped.push({ file, reason });
    };
    for (let c = 0; c < classNames.length; c++) {
      const list: string[] = [];
      await walk(path.join(root, classNames[c]), list);
      for (const f of list) {
        const ext = path.extname(f).toLowerCase();
        if (!exts.has(ext)) {
          reject(f, `unsupported file type "${ext || '(no extension)'}" (supported: ${[...exts].join(', ')})`);
          continue;
        }
        files.push(f);
        labels.push(c);
      }
    }
    const size: [number, number] = typeof options.imageSize === 'number' ? [options.imageSize, options.imageSize] : (options.imageSize ?? [224, 224]);
    const check = options.check ?? 'header';
    let keep = files.map(() => true);
    if (check !== 'none') {
      const sharp = loadSharp();
      const problems: Array<string | undefined> = files.map(() => undefined);
      await mapLimit(files, options.concurrency ?? 16, async (f, i) => {
        try {
          if (check === 'decode') {
            await sharp(f, { failOn: 'error' }).raw().toBuffer();
          } else {
            const meta = await sharp(f).metadata();
            if (!meta.format || !FORMATS.has(meta.format)) problems[i] = `unsupported image format "${meta.format ?? 'unknown'}" (supported: jpeg, png, webp)`;
          }
        } catch (e) {
          problems[i] = `corrupt or unreadable image (${(e as Error).message})`;
        }
      });
      keep = problems.map((p) => p === undefined);
      problems.forEach((p, i) => {
        if (p !== undefined) reject(files[i], p);
      });
    }
    const keptFiles = files.filter((_, i) => keep[i]);
    const keptLabels = Int32Array.from(labels.filter((_, i) => keep[i]));
    const total = keptFiles.length + skipped.length;
    if (skipped.length) {
      warn(
        `image-folder ${root}: skipped ${skipped.length} of ${total} files (corrupt or unsupported); ` +
          `first: ${skipped[0].file}: ${skipped[0].reason}`,
      );
    }
    const counts = new Int32Array(classNames.length);
    for (const l of keptLabels) counts[l]++;
    const empty = classNames.filter((_, c) => counts[c] === 0);
    if (empty.length) throw new Error(`image-folder: class folder(s) with no usable image: ${empty.map((c) => path.join(root, c)).join(', ')}`);
    const ds = new ImageFolderDataset(root, classNames, keptFiles, keptLabels, { ...options, onWarning: warn }, size);
    ds.skipped.push(...skipped);
    return ds;
  }

  /** Decodes one file to a float HWC image of `shape`. */
  decode(file: string): Promise<Float32Array> {
    return decodeImageFile(file, this.shape, { fit: this.options.fit, background: this.stats.mean });
  }

  async get(index: number): Promise<Sample> {
    checkIndex(this, index);
    for (let step = 0; step < this.length; step++) {
      const i = (index + step) % this.length;
      if (this.skippedAtRead.has(i)) continue;
      try {
        return { image: await this.decode(this.files[i]), label: this.labels[i] };
      } catch (e) {
        const reason = `cannot decode (${(e as Error).message})`;
        if (this.options.onError === 'error') throw new Error(`image-folder: ${this.files[i]}: ${reason}`);
        if (!this.skippedAtRead.has(i)) {
          this.skippedAtRead.add(i);
          this.skipped.push({ file: this.files[i], reason });
          (this.options.onWarning ?? console.warn)(
            `image-folder ${this.root}: skipped ${this.files[i]}: ${reason}; ${this.skipped.length} file(s) skipped so far (samples are replaced by the next file)`,
          );
        }
      }
    }
    throw new Error(`image-folder ${this.root}: no file could be decoded`);
  }
}
