/** An IDX file of unsigned bytes (MNIST's format): its dimensions and its data. */
export interface IdxBytes {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses an IDX file of unsigned bytes; `name` says which file in errors. */
export function parseIdx(buffer: ArrayBuffer, name: string): IdxBytes {
  const view = new DataView(buffer);
  if (buffer.byteLength < 4 || view.getUint16(0) !== 0) throw new Error(`${name}: not an IDX file (no zero magic prefix)`);
  const type = view.getUint8(2);
  if (type !== UBYTE) throw new Error(`${name}: IDX element type 0x${type.toString(16)}, expected unsigned bytes (0x08)`);
  const rank = view.getUint8(3);
  const headerBytes = 4 + 4 * rank;
  if (buffer.byteLength < headerBytes) throw new Error(`${name}: truncated IDX header`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (buffer.byteLength !== headerBytes + size) {
    throw new Error(`${name}: ${buffer.byteLength - headerBytes} data bytes, the header [${dims.join(', ')}] says ${size}`);
  }
  return { dims, data: new Uint8Array(buffer, headerBytes) };
}
