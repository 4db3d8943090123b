import { parseIdx } from './idx';

/** An IDX file: the zero prefix, the element type, the rank, big-endian dimensions, then the data. */
function idx(type: number, dims: number[], data: number[]): ArrayBuffer {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(2, type);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes.buffer;
}

describe('parseIdx', () => {
  it('reads the dimensions and the bytes of an unsigned-byte file', () => {
    const parsed = parseIdx(idx(0x08, [2, 1, 3], [1, 2, 3, 250, 251, 252]), 'images');
    expect(parsed.dims).toEqual([2, 1, 3]);
    expect([...parsed.data]).toEqual([1, 2, 3, 250, 251, 252]);
  });

  it('names the file and the problem when the content is not what the header says', () => {
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1]).buffer, 'labels')).toThrow('labels: not an IDX file');
    expect(() => parseIdx(idx(0x0d, [1], [0, 0, 0, 0]), 'labels')).toThrow('labels: IDX element type 0xd, expected unsigned bytes (0x08)');
    expect(() => parseIdx(idx(0x08, [3], [1, 2]), 'labels')).toThrow('labels: 2 data bytes, the header [3] says 3');
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 2, 0, 0]).buffer, 'labels')).toThrow('labels: truncated IDX header');
  });
});
