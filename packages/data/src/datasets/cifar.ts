import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import type { Dataset, Sample } from '../types';
import { checkIndex, Split } from './common';

const readAsync = promisify(fs.read);
const openAsync = promisify(fs.open);
const closeAsync = promisify(fs.close);

export const CIFAR10_STATS = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] } as const;
export const CIFAR100_STATS = { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] } as const;
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

const SIDE = 32;
const PIXELS = SIDE * SIDE * 3;

export interface CifarOptions {
  variant: 10 | 100;
  split: Split;
  /** Folder of the binary batches (or its parent holding `cifar-10-batches-bin` / `cifar-100-binary`). */
  dir: string;
  /** Explicit batch files (relative to `dir`), instead of the standard names. */
  files?: string[];
  /** CIFAR-100 only: the 100 fine classes or the 20 coarse superclasses. */
  labelMode?: 'fine' | 'coarse';
}

function readNames(file: string): string[] | undefined {
  if (!fs.existsSync(file)) return undefined;
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/**
 * CIFAR-10/100 "binary version" batches, read record by record from disk (nothing is held in memory): each
 * record is a label byte (CIFAR-100: coarse then fine label) and 3072 bytes of a 32x32 image stored as
 * channel planes R, G, B; samples come out HWC.
 */
export class CifarDataset implements Dataset {
  readonly name: string;
  readonly shape = [SIDE, SIDE, 3] as const;
  readonly stats: { mean: readonly number[]; std: readonly number[] };
  readonly classNames: readonly string[];
  readonly length: number;
  private readonly labelBytes: number;
  private readonly labelOffset: number;
  private readonly recordSize: number;
  private readonly starts: number[];
  private fds: Array<Promise<number> | undefined>;

  private constructor(readonly options: CifarOptions, readonly files: string[], counts: number[], classNames: string[]) {
    this.name = `cifar${options.variant}/${options.split}`;
    this.stats = options.variant === 10 ? CIFAR10_STATS : CIFAR100_STATS;
    this.labelBytes = options.variant === 10 ? 1 : 2;
    this.labelOffset = options.variant === 100 && (options.labelMode ?? 'fine') === 'fine' ? 1 : 0;
    this.recordSize = this.labelBytes + PIXELS;
    this.classNames = classNames;
    this.starts = [];
    let total = 0;
    for (const c of counts) {
      this.starts.push(total);
      total += c;
    }
    this.length = total;
    this.fds = files.map(() => undefined);
  }

  get numClasses(): number {
    return this.classNames.length;
  }

  static async open(options: CifarOptions): Promise<CifarDataset> {
    const { variant, split } = options;
    const sub = variant === 10 ? 'cifar-10-batches-bin' : 'cifar-100-binary';
    let root = path.resolve(options.dir);
    if (!fs.existsSync(root)) throw new Error(`CIFAR-${variant}: folder ${root} does not exist`);
    const defaults = variant === 10 ? (split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin']) : [`${split}.bin`];
    const names = options.files ?? defaults;
    if (!options.files && !fs.existsSync(path.join(root, names[0])) && fs.existsSync(path.join(root, sub))) root = path.join(root, sub);
    const recordSize = (variant === 10 ? 1 : 2) + PIXELS;
    const files: string[] = [];
    const counts: number[] = [];
    for (const n of names) {
      const file = path.resolve(root, n);
      let size: number;
      try {
        size = (await fs.promises.stat(file)).size;
      } catch {
        throw new Error(`CIFAR-${variant} ${split}: batch file ${file} not found (expected ${names.join(', ')} in ${root})`);
      }
      if (size === 0 || size % recordSize !== 0) {
        throw new Error(
          `${file}: ${size} bytes is not a whole number of ${recordSize}-byte CIFAR-${variant} records; is it a CIFAR-${variant} binary batch?`,
        );
      }
      files.push(file);
      counts.push(size / recordSize);
    }
    let classNames: string[];
    if (variant === 10) {
      classNames = readNames(path.join(root, 'batches.meta.txt')) ?? [...CIFAR10_CLASSES];
      if (classNames.length !== 10) classNames = [...CIFAR10_CLASSES];
    } else {
      const coarse = (options.labelMode ?? 'fine') === 'coarse';
      const n = coarse ? 20 : 100;
      const names100 = readNames(path.join(root, coarse ? 'coarse_label_names.txt' : 'fine_label_names.txt'));
      classNames = names100 && names100.length === n ? names100 : Array.from({ length: n }, (_, i) => `class_${i}`);
    }
    return new CifarDataset(options, files, counts, classNames);
  }

  private fd(k: number): Promise<number> {
    let p = this.fds[k];
    if (!p) {
      p = openAsync(this.files[k], 'r');
      this.fds[k] = p;
    }
    return p;
  }

  async get(index: number): Promise<Sample> {
    checkIndex(this, index);
    let k = this.starts.length - 1;
    while (this.starts[k] > index) k--;
    const record = index - this.starts[k];
    const buf = Buffer.alloc(this.recordSize);
    const { bytesRead } = await readAsync(await this.fd(k), buf, 0, this.recordSize, record * this.recordSize);
    if (bytesRead !== this.recordSize) throw new Error(`${this.files[k]}: record ${record} is truncated (${bytesRead} of ${this.recordSize} bytes)`);
    const label = buf[this.labelOffset];
    if (label >= this.numClasses) {
      throw new Error(`${this.files[k]}: record ${record} has label ${label}, but CIFAR-${this.options.variant} has ${this.numClasses} classes`);
    }
    const image = new Float32Array(PIXELS);
    const plane = SIDE * SIDE;
    const base = this.labelBytes;
    for (let p = 0; p < plane; p++) {
      image[p * 3] = buf[base + p] / 255;
      image[p * 3 + 1] = buf[base + plane + p] / 255;
      image[p * 3 + 2] = buf[base + 2 * plane + p] / 255;
    }
    return { image, label };
  }

  /** Closes the open batch files (they are reopened on the next `get`). */
  async close(): Promise<void> {
    const fds = this.fds;
    this.fds = this.files.map(() => undefined);
    await Promise.all(fds.map(async (p) => (p ? closeAsync(await p) : undefined)));
  }
}
