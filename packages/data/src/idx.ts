import * as fs from 'fs';
import * as zlib from 'zlib';

/**
 * The IDX format of the MNIST files: a 4-byte magic (two zero bytes, a type code, the number of dimensions),
 * one big-endian uint32 per dimension, then the data in row-major order, big-endian.
 */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  type: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  shape: number[];
  data: IdxData;
}

const TYPES: Record<number, { type: IdxArray['type']; size: number }> = {
  0x08: { type: 'uint8', size: 1 },
  0x09: { type: 'int8', size: 1 },
  0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 },
  0x0d: { type: 'float32', size: 4 },
  0x0e: { type: 'float64', size: 8 },
};

export class IdxError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'IdxError';
  }
}

/** Parses IDX bytes (gzip-compressed input is inflated first). `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file = '<idx>'): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf);
    } catch (e) {
      throw new IdxError(file, `is gzip-compressed but cannot be inflated (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new IdxError(file, `is not an IDX file: ${buf.length} bytes, shorter than the 4-byte header`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new IdxError(file, `is not an IDX file: magic starts with 0x${buf[0].toString(16)} 0x${buf[1].toString(16)}, expected 0x00 0x00`);
  }
  const t = TYPES[buf[2]];
  if (!t) throw new IdxError(file, `unknown IDX data type code 0x${buf[2].toString(16)} (known: 08, 09, 0b, 0c, 0d, 0e)`);
  const rank = buf[3];
  const headerLen = 4 + 4 * rank;
  if (buf.length < headerLen) throw new IdxError(file, `truncated header: ${rank} dimensions need ${headerLen} bytes, file has ${buf.length}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerLen + count * t.size;
  if (buf.length < expected) {
    throw new IdxError(file, `truncated: shape [${shape.join(', ')}] of ${t.type} needs ${expected} bytes, file has ${buf.length}`);
  }
  if (buf.length > expected) {
    throw new IdxError(file, `has ${buf.length - expected} trailing bytes after shape [${shape.join(', ')}] of ${t.type}`);
  }
  let data: IdxData;
  switch (t.type) {
    case 'uint8':
      data = new Uint8Array(buf.buffer.slice(buf.byteOffset + headerLen, buf.byteOffset + expected));
      break;
    case 'int8':
      data = new Int8Array(buf.buffer.slice(buf.byteOffset + headerLen, buf.byteOffset + expected));
      break;
    default: {
      const ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[t.type];
      const arr = new ctor(count);
      for (let i = 0; i < count; i++) {
        const o = headerLen + i * t.size;
        arr[i] =
          t.type === 'int16'
            ? view.getInt16(o, false)
            : t.type === 'int32'
              ? view.getInt32(o, false)
              : t.type === 'float32'
                ? view.getFloat32(o, false)
                : view.getFloat64(o, false);
      }
      data = arr;
    }
  }
  return { type: t.type, shape, data };
}

export async function readIdx(file: string): Promise<IdxArray> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    throw new IdxError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseIdx(bytes, file);
}

/** Serialises an array to IDX bytes (used by tests and to export data). */
export function encodeIdx(type: IdxArray['type'], shape: readonly number[], values: ArrayLike<number>): Buffer {
  const code = Number(Object.entries(TYPES).find(([, v]) => v.type === type)![0]);
  const size = TYPES[code].size;
  const header = 4 + 4 * shape.length;
  const buf = Buffer.alloc(header + values.length * size);
  buf[2] = code;
  buf[3] = shape.length;
  shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  for (let i = 0; i < values.length; i++) {
    const o = header + i * size;
    const v = values[i];
    if (type === 'uint8') buf.writeUInt8(v, o);
    else if (type === 'int8') buf.writeInt8(v, o);
    else if (type === 'int16') buf.writeInt16BE(v, o);
    else if (type === 'int32') buf.writeInt32BE(v, o);
    else if (type === 'float32') buf.writeFloatBE(v, o);
    else buf.writeDoubleBE(v, o);
  }
  return buf;
}
