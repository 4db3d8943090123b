import type { HostTensor } from '../safetensors-format';
import { decodeLittleEndian, ELEMENT_BYTES } from '../tensor-bytes';
import { PthError } from './pth-error';

/** PyTorch's typed storage classes (`torch.FloatStorage`, ...) and the dtype each holds, in safetensors' names. */
export const STORAGE_DTYPES: Readonly<Record<string, string>> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  UntypedStorage: 'U8',
};

/** A `torch.*Storage` global: only ever the type tag of a persistent id. `dtype` is null for ones vitkit cannot read. */
export class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: string | null,
  ) {}
}

/** One storage of the checkpoint; several tensors may view it (tied weights, slices). Decoded once, on first use. */
export class TorchStorage {
  private decoded?: Float32Array;

  constructor(
    readonly key: string,
    readonly type: StorageType,
    /** Elements the checkpoint declares. */
    readonly numel: number,
    private readonly loadBytes: () => Uint8Array,
    private readonly file: string,
  ) {}

  /** The raw bytes (checked against the declared size). */
  bytes(): Uint8Array {
    const bytes = this.loadBytes();
    const need = this.numel * (this.type.dtype ? ELEMENT_BYTES[this.type.dtype] : 1);
    if (bytes.length < need) {
      throw new PthError(this.file, `storage ${this.key} (${this.type.name}) declares ${this.numel} elements (${need} bytes) but holds ${bytes.length} bytes (truncated or corrupt)`);
    }
    return bytes;
  }

  values(): Float32Array {
    if (this.decoded) return this.decoded;
    const dtype = this.type.dtype;
    if (!dtype) throw new PthError(this.file, `storage ${this.key} is a torch.${this.type.name}, which vitkit does not read (float32/16/64, bfloat16 and integer storages are read)`);
    this.decoded = decodeLittleEndian(dtype, this.bytes(), this.numel);
    return this.decoded;
  }
}

/** A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view of a storage. */
export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly storageOffset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}

  /** The values in row-major order as float32 (what every reader of vitkit hands out). `name` is for errors. */
  toHost(name: string, file: string): HostTensor {
    const { shape, stride, storageOffset: offset } = this;
    const count = shape.reduce((a, b) => a * b, 1);
    const dtype = this.storage.type.dtype ?? this.storage.type.name;
    if (count === 0) return { shape: [...shape], data: new Float32Array(0), dtype };
    let last = offset;
    for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
    if (last >= this.storage.numel) {
      throw new PthError(
        file,
        `tensor "${name}" [${shape}] (strides [${stride}], offset ${offset}) reaches element ${last} of storage ${this.storage.key}, which holds ${this.storage.numel} (the file is corrupt)`,
      );
    }
    const src = this.storage.values();
    let contiguous = true;
    for (let d = shape.length - 1, expect = 1; d >= 0; expect *= shape[d], d--) if (shape[d] !== 1 && stride[d] !== expect) contiguous = false;
    if (contiguous) return { shape: [...shape], data: src.slice(offset, offset + count), dtype };
    // A transposed or sliced view: gather with an odometer over the dimensions.
    const out = new Float32Array(count);
    const idx = new Array<number>(shape.length).fill(0);
    let at = offset;
    for (let i = 0; i < count; i++) {
      out[i] = src[at];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          at += stride[d];
          break;
        }
        at -= (shape[d] - 1) * stride[d];
        idx[d] = 0;
      }
    }
    return { shape: [...shape], data: out, dtype };
  }
}

function isIntList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => Number.isInteger(v) && (v as number) >= 0);
}

/** Checks `_rebuild_tensor_v2`'s arguments (a pickle is untrusted input) and makes the view. */
export function rebuildTensor(args: unknown[], file: string): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorage)) throw new PthError(file, `a tensor is rebuilt from ${typeof storage}, not from a storage of the file`);
  if (!Number.isInteger(offset) || (offset as number) < 0 || !isIntList(size) || !isIntList(stride) || size.length !== stride.length) {
    throw new PthError(file, `a tensor has malformed geometry (offset ${String(offset)}, size ${JSON.stringify(size)}, stride ${JSON.stringify(stride)})`);
  }
  return new TorchTensor(storage, offset as number, size, stride);
}

/** Reverses the byte order of each element in place (a checkpoint saved on a big-endian machine). */
export function swapBytes(bytes: Uint8Array, elementBytes: number): Uint8Array {
  if (elementBytes === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + elementBytes <= bytes.length; i += elementBytes) for (let j = 0; j < elementBytes; j++) out[i + j] = bytes[i + elementBytes - 1 - j];
  return out;
}
