// The safetensors format on bytes in memory: portable (Node and browsers). Reading and writing files is in
// ./safetensors (Node only).
import { decodeLittleEndian, ELEMENT_BYTES } from './tensor-bytes';

/** A host-side tensor as stored in a safetensors file, converted to float32. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
  /** The dtype in the file (F32, F16, BF16, F64, I64, I32 are read; all come back as float32). */
  dtype: string;
}

export type TensorMap = Map<string, HostTensor>;

export class SafetensorsError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/** The dtypes read from safetensors files (all come back as float32). */
const READ_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64', 'I64', 'I32']);

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

function decode(dtype: string, bytes: Uint8Array, count: number): Float32Array {
  const data = decodeLittleEndian(dtype, bytes, count);
  // Aligned F32 comes back as a view of the file's buffer: callers own what they are given, so copy it.
  return data.buffer === bytes.buffer ? data.slice() : data;
}

/** Parses safetensors bytes (a Node Buffer is a Uint8Array too). `file` only names the source in errors. */
export function parseSafetensors(buf: Uint8Array, file = '<buffer>'): { tensors: TensorMap; metadata: Record<string, string> } {
  if (buf.length < 8) throw new SafetensorsError(file, `too short to be a safetensors file (${buf.length} bytes)`);
  const headerLen = Number(new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > buf.length) {
    throw new SafetensorsError(file, `header length ${headerLen} does not fit a file of ${buf.length} bytes (not a safetensors file, or truncated)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(utf8Decoder.decode(buf.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(file, 'header is not a JSON object');
  }
  const base = 8 + headerLen;
  const tensors: TensorMap = new Map();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = (entry ?? {}) as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (
      typeof dtype !== 'string' ||
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isInteger(d) && d >= 0) ||
      !Array.isArray(data_offsets) ||
      data_offsets.length !== 2 ||
      !data_offsets.every((o) => Number.isInteger(o) && o >= 0)
    ) {
      throw new SafetensorsError(file, `tensor "${name}" has a malformed header entry ${JSON.stringify(entry)}`);
    }
    if (!READ_DTYPES.has(dtype)) throw new SafetensorsError(file, `tensor "${name}" has unsupported dtype ${dtype}`);
    const count = shape.reduce((a, b) => a * b, 1);
    const [start, end] = data_offsets;
    if (end - start !== count * ELEMENT_BYTES[dtype] || base + end > buf.length) {
      throw new SafetensorsError(file, `tensor "${name}" (${dtype} [${shape}]) has byte range ${start}..${end} that does not match its shape or lies outside the file (truncated?)`);
    }
    tensors.set(name, { shape: [...shape], dtype, data: decode(dtype, buf.subarray(base + start, base + end), count) });
  }
  return { tensors, metadata };
}

/** Serialises float32 tensors; the header is space-padded to a multiple of 8 so every tensor is aligned. */
export function serializeSafetensors(tensors: Iterable<[string, { shape: number[]; data: Float32Array }]>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`serializeSafetensors: "${name}" has ${t.data.length} values for shape [${t.shape}]`);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = utf8Encoder.encode(JSON.stringify(header));
  // Pad by UTF-8 byte length (names or metadata may hold non-ASCII characters).
  const headerLen = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
