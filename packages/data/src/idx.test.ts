import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { encodeIdx, parseIdx, readIdx } from './idx';

describe('IDX format', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-idx-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a hand-written uint8 file (magic 0x00000803, big-endian dims, row-major data)', async () => {
    // 2 images of 2x3, written byte by byte.
    const bytes = Buffer.from([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255]);
    const file = path.join(dir, 'tiny-images-idx3-ubyte');
    fs.writeFileSync(file, bytes);
    const a = await readIdx(file);
    expect(a.type).toBe('uint8');
    expect(a.shape).toEqual([2, 2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255]);
  });

  it('reads multi-byte big-endian types and gzip-compressed files', () => {
    const i32 = Buffer.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]);
    expect(Array.from(parseIdx(i32).data)).toEqual([-2, 256]);
    const f32 = encodeIdx('float32', [3], [1.5, -2, 0.25]);
    expect(Array.from(parseIdx(f32).data)).toEqual([1.5, -2, 0.25]);
    const i16 = encodeIdx('int16', [2, 1], [-300, 7]);
    expect(parseIdx(i16).shape).toEqual([2, 1]);
    expect(Array.from(parseIdx(zlib.gzipSync(i16)).data)).toEqual([-300, 7]);
  });

  it('names the file in errors for bad magic, unknown type and truncation', async () => {
    const bad = path.join(dir, 'bad.idx');
    fs.writeFileSync(bad, Buffer.from([0x50, 0x4b, 3, 4, 0, 0]));
    await expect(readIdx(bad)).rejects.toThrow(`${bad}: is not an IDX file`);
    expect(() => parseIdx(Buffer.from([0, 0, 0x07, 1, 0, 0, 0, 1, 0]), 'x.idx')).toThrow('x.idx: unknown IDX data type code 0x7');
    const trunc = encodeIdx('uint8', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]).subarray(0, 14);
    expect(() => parseIdx(trunc, 'cut.idx')).toThrow('cut.idx: truncated: shape [4, 2] of uint8 needs 20 bytes, file has 14');
    await expect(readIdx(path.join(dir, 'missing.idx'))).rejects.toThrow(/missing\.idx: cannot be read \(ENOENT\)/);
  });
});
