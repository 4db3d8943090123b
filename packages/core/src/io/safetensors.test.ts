import { promises as fsp } from 'fs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseSafetensors, readSafetensors, SafetensorsError, serializeSafetensors, writeFileAtomic, writeSafetensors } from './safetensors';

/** Builds a safetensors buffer by hand: 8-byte LE header length, JSON header (unpadded), raw data. */
function handMade(header: Record<string, unknown>, data: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

function u16le(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return b;
}

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'vitkit-st-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('safetensors writing', () => {
  const special = Float32Array.from([0, -0, 1, -1.5, Math.PI, 1e-45, -3.4028234663852886e38, Infinity, -Infinity, 1 / 3]);

  it('round-trips float32 tensors bit-exactly with metadata (write → read through a file)', async () => {
    const tensors: Array<[string, { shape: number[]; data: Float32Array }]> = [
      ['a.weight', { shape: [2, 5], data: special }],
      ['b', { shape: [3], data: Float32Array.from([7, 8, 9]) }],
      ['scalar', { shape: [], data: Float32Array.from([42]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ];
    const file = path.join(dir, 'rt.safetensors');
    await writeSafetensors(file, tensors, { format: 'pt', note: 'vitkit test' });
    const { tensors: back, metadata } = await readSafetensors(file);
    expect(metadata).toEqual({ format: 'pt', note: 'vitkit test' });
    expect([...back.keys()]).toEqual(['a.weight', 'b', 'scalar', 'empty']);
    for (const [name, t] of tensors) {
      const r = back.get(name)!;
      expect(r.shape).toEqual(t.shape);
      expect(r.dtype).toBe('F32');
      // bit-exact, including −0
      expect(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
    }
  });

  it('writes an 8-byte aligned header with contiguous F32 offsets in insertion order', () => {
    for (const name of ['x', 'xy', 'xyz', 'abcdefg', 'é_non_ascii_名前']) {
      const bytes = serializeSafetensors(
        [
          [name, { shape: [3], data: Float32Array.from([1, 2, 3]) }],
          ['z', { shape: [1, 2], data: Float32Array.from([4, 5]) }],
        ],
        { format: 'pt', comment: 'naïve' },
      );
      // Plain bytes (portable); read here through a Buffer view for its little-endian accessors.
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const n = Number(buf.readBigUInt64LE(0));
      expect((8 + n) % 8).toBe(0);
      const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
      expect(header.__metadata__).toEqual({ format: 'pt', comment: 'naïve' });
      expect(header[name]).toEqual({ dtype: 'F32', shape: [3], data_offsets: [0, 12] });
      expect(header.z).toEqual({ dtype: 'F32', shape: [1, 2], data_offsets: [12, 20] });
      expect(buf.length).toBe(8 + n + 20);
      expect(buf.readFloatLE(8 + n + 12)).toBe(4);
      const parsed = parseSafetensors(buf);
      expect(Array.from(parsed.tensors.get(name)!.data)).toEqual([1, 2, 3]);
      expect(parsed.metadata.comment).toBe('naïve');
    }
  });

  it('refuses data whose length does not match the shape', () => {
    expect(() => serializeSafetensors([['w', { shape: [2, 2], data: new Float32Array(3) }]])).toThrow(/"w" has 3 values for shape \[2,2\]/);
  });
});

describe('safetensors reading of other dtypes (hand-built bytes)', () => {
  it('decodes F16: normals, the largest finite, subnormals, signed zero, infinities and NaN', () => {
    // 1, −2, 0.5, 65504, 2^-24 (smallest subnormal), 2^-14·(1023/1024) (largest subnormal), −0, +inf, −inf, NaN, 0.333251953125
    const bits = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555];
    const expected = [1, -2, 0.5, 65504, 2 ** -24, 2 ** -14 * (1023 / 1024), -0, Infinity, -Infinity, NaN, 0.333251953125];
    const { tensors } = parseSafetensors(handMade({ h: { dtype: 'F16', shape: [bits.length], data_offsets: [0, bits.length * 2] } }, u16le(bits)), 'f16.safetensors');
    const t = tensors.get('h')!;
    expect(t.dtype).toBe('F16');
    expect(t.shape).toEqual([11]);
    expect(Array.from(t.data)).toEqual(expected);
    expect(Object.is(t.data[6], -0)).toBe(true);
  });

  it('decodes BF16 as the upper half of a float32', () => {
    // 1, −2, 3.140625 (0x4049), 1/3 truncated (0x3eab = 0.333984375), −0, +inf, largest finite 0x7f7f, 2^-126 (0x0080)
    const bits = [0x3f80, 0xc000, 0x4049, 0x3eab, 0x8000, 0x7f80, 0x7f7f, 0x0080];
    const f32 = (hi: number) => new Float32Array(new Uint32Array([hi << 16 >>> 0]).buffer)[0];
    const { tensors } = parseSafetensors(handMade({ b: { dtype: 'BF16', shape: [2, 4], data_offsets: [0, 16] } }, u16le(bits)));
    const t = tensors.get('b')!;
    expect(t.shape).toEqual([2, 4]);
    expect(Array.from(t.data).slice(0, 4)).toEqual([1, -2, 3.140625, 0.333984375]);
    expect(Array.from(t.data)).toEqual(bits.map(f32));
    expect(t.data[6]).toBeCloseTo(3.3895313892515355e38, -30);
    expect(t.data[7]).toBe(2 ** -126);
  });

  it('decodes F64, I64 and I32 to float32, at unaligned offsets too', () => {
    const f64 = Buffer.alloc(16);
    f64.writeDoubleLE(0.1, 0);
    f64.writeDoubleLE(-1e10, 8);
    const i64 = Buffer.alloc(16);
    i64.writeBigInt64LE(-5n, 0);
    i64.writeBigInt64LE(123456789n, 8);
    const i32 = Buffer.alloc(8);
    i32.writeInt32LE(-7, 0);
    i32.writeInt32LE(2 ** 30, 4);
    const pad = Buffer.alloc(2); // makes every following tensor start at an odd multiple of 2
    const data = Buffer.concat([pad, f64, i64, i32]);
    const { tensors } = parseSafetensors(
      handMade(
        {
          pad: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
          d: { dtype: 'F64', shape: [2], data_offsets: [2, 18] },
          l: { dtype: 'I64', shape: [2], data_offsets: [18, 34] },
          i: { dtype: 'I32', shape: [2], data_offsets: [34, 42] },
        },
        data,
      ),
    );
    expect(Array.from(tensors.get('d')!.data)).toEqual([Math.fround(0.1), -1e10]);
    expect(Array.from(tensors.get('l')!.data)).toEqual([-5, 123456792]); // 123456789 rounds to float32
    expect(Array.from(tensors.get('i')!.data)).toEqual([-7, 2 ** 30]);
  });
});

describe('safetensors errors name the file', () => {
  const good = serializeSafetensors([['w', { shape: [4, 4], data: new Float32Array(16).fill(1) }]], { format: 'pt' });

  async function readError(name: string, bytes: Uint8Array): Promise<Error> {
    const file = path.join(dir, name);
    await fsp.writeFile(file, bytes);
    try {
      await readSafetensors(file);
    } catch (e) {
      expect(e).toBeInstanceOf(SafetensorsError);
      expect((e as Error).message.startsWith(`${file}: `)).toBe(true);
      return e as Error;
    }
    throw new Error(`reading ${name} did not fail`);
  }

  it('truncated data', async () => {
    const e = await readError('truncated.safetensors', good.subarray(0, good.length - 5));
    expect(e.message).toMatch(/tensor "w" \(F32 \[4,4\]\).*outside the file \(truncated\?\)/);
  });

  it('truncated header / shorter than 8 bytes / header length beyond the file', async () => {
    expect((await readError('short.safetensors', Buffer.from([1, 2, 3]))).message).toMatch(/too short to be a safetensors file \(3 bytes\)/);
    expect((await readError('cut-header.safetensors', good.subarray(0, 20))).message).toMatch(/header length \d+ does not fit a file of 20 bytes/);
    expect((await readError('not-st.safetensors', Buffer.from('{"hello": "this is JSON, not safetensors"}'))).message).toMatch(/does not fit/);
  });

  it('invalid JSON, non-object header, malformed entry, unsupported dtype, shape/offset mismatch', async () => {
    const bad = (header: string, data = Buffer.alloc(0)) => {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
      return Buffer.concat([len, Buffer.from(header), data]);
    };
    expect((await readError('json.safetensors', bad('{"w": {'))).message).toMatch(/header is not valid JSON/);
    expect((await readError('array.safetensors', bad('[1, 2]'))).message).toMatch(/header is not a JSON object/);
    expect((await readError('entry.safetensors', bad('{"w": {"dtype": "F32"}}'))).message).toMatch(/tensor "w" has a malformed header entry/);
    expect((await readError('dtype.safetensors', bad('{"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}', Buffer.alloc(8)))).message).toMatch(
      /tensor "w" has unsupported dtype C64/,
    );
    expect((await readError('mismatch.safetensors', bad('{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}', Buffer.alloc(8)))).message).toMatch(
      /tensor "w" \(F32 \[3\]\) has byte range 0\.\.8 that does not match its shape/,
    );
  });

  it('a missing file', async () => {
    const file = path.join(dir, 'does-not-exist.safetensors');
    await expect(readSafetensors(file)).rejects.toThrow(`${file}: cannot read (ENOENT)`);
  });
});

describe('atomic writes', () => {
  it('leave the previous file intact (and no temporary file) when the final rename fails', async () => {
    const file = path.join(dir, 'atomic.safetensors');
    const old = serializeSafetensors([['old', { shape: [2], data: Float32Array.from([1, 2]) }]]);
    await fsp.writeFile(file, old);
    const spy = jest.spyOn(fs.promises, 'rename').mockRejectedValueOnce(Object.assign(new Error('EIO: simulated failure'), { code: 'EIO' }));
    try {
      await expect(writeSafetensors(file, [['new', { shape: [3], data: Float32Array.from([3, 4, 5]) }]])).rejects.toThrow(/simulated failure/);
    } finally {
      spy.mockRestore();
    }
    expect((await fsp.readFile(file)).equals(Buffer.from(old))).toBe(true);
    expect((await fsp.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leave the previous file intact when writing the data fails midway', async () => {
    const file = path.join(dir, 'atomic2.safetensors');
    await fsp.writeFile(file, 'previous contents');
    const realOpen = fs.promises.open;
    const spy = jest.spyOn(fs.promises, 'open').mockImplementationOnce(async (...args: Parameters<typeof realOpen>) => {
      const handle = await realOpen(...args);
      // The write starts, then fails (as on a full disk).
      handle.writeFile = async () => {
        await handle.write(Buffer.from('partial'));
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      };
      return handle;
    });
    try {
      await expect(writeFileAtomic(file, Buffer.alloc(1024))).rejects.toThrow(/ENOSPC/);
    } finally {
      spy.mockRestore();
    }
    expect(await fsp.readFile(file, 'utf8')).toBe('previous contents');
    expect((await fsp.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fail without touching anything when the target is a directory', async () => {
    const target = path.join(dir, 'is-a-dir.safetensors');
    await fsp.mkdir(target);
    await fsp.writeFile(path.join(target, 'keep.txt'), 'keep');
    await expect(writeSafetensors(target, [['x', { shape: [1], data: Float32Array.from([1]) }]])).rejects.toThrow();
    expect(await fsp.readFile(path.join(target, 'keep.txt'), 'utf8')).toBe('keep');
    expect((await fsp.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('create missing parent directories and replace an existing file', async () => {
    const file = path.join(dir, 'nested/deeper/out.safetensors');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(await fsp.readFile(file, 'utf8')).toBe('two');
    expect(await fsp.readdir(path.dirname(file))).toEqual(['out.safetensors']);
  });
});
