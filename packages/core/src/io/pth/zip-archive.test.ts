import * as fs from 'fs';
import { deflateRawSync } from 'zlib';
import { readZipEntries } from './zip-archive';
import { fixturePath } from '../../testing';

/**
 * A minimal zip writer for the test: stored or deflated entries; `zip64` saturates every size and offset in the
 * central directory (0xFFFFFFFF, real values in the zip64 extra field) and adds the zip64 end records, as writers
 * do past 4 GiB.
 */
function writeZip(entries: Array<[string, Buffer, 'stored' | 'deflate']>, zip64: boolean): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data, how] of entries) {
    const body = how === 'deflate' ? deflateRawSync(data) : data;
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(how === 'deflate' ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    parts.push(local, n, body);
    const extra = Buffer.alloc(zip64 ? 28 : 0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(data.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(how === 'deflate' ? 8 : 0, 10);
    cd.writeUInt32LE(zip64 ? 0xffffffff : body.length, 20);
    cd.writeUInt32LE(zip64 ? 0xffffffff : data.length, 24);
    cd.writeUInt16LE(n.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    central.push(cd, n, extra);
    offset += 30 + n.length + body.length;
  }
  const cdBytes = Buffer.concat(central);
  const tail: Buffer[] = [];
  if (zip64) {
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeBigUInt64LE(BigInt(entries.length), 24);
    z.writeBigUInt64LE(BigInt(entries.length), 32);
    z.writeBigUInt64LE(BigInt(cdBytes.length), 40);
    z.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cdBytes.length), 8);
    tail.push(z, locator);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  eocd.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  eocd.writeUInt32LE(zip64 ? 0xffffffff : cdBytes.length, 12);
  eocd.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  return Buffer.concat([...parts, cdBytes, ...tail, eocd]);
}

describe('readZipEntries', () => {
  const a = Buffer.from('first entry, stored');
  const b = Buffer.from('second entry, deflated '.repeat(20));

  it.each([false, true])('reads stored and deflated entries (zip64 records: %s)', (zip64) => {
    const zip = writeZip([['archive/a', a, 'stored'], ['archive/b', b, 'deflate']], zip64);
    const entries = readZipEntries(zip, 'x.zip');
    expect([...entries.keys()]).toEqual(['archive/a', 'archive/b']);
    expect(Buffer.from(entries.get('archive/a')!).equals(a)).toBe(true);
    expect(Buffer.from(entries.get('archive/b')!).equals(b)).toBe(true);
  });

  it('returns stored entries as views of the file (a checkpoint is not copied)', () => {
    const bytes = fs.readFileSync(fixturePath('pth', 'resnet18_narrow.pth'));
    const entries = readZipEntries(bytes, 'r.pth');
    const e = entries.get('resnet18_narrow/data/0')!;
    expect(e.buffer).toBe(bytes.buffer);
    expect(e.byteOffset % 64).toBe((bytes.byteOffset) % 64); // PyTorch aligns entries to 64 bytes
  });

  it('names what is wrong: truncation, an unknown method, a bad inflate', () => {
    const zip = writeZip([['archive/a', a, 'stored']], false);
    expect(() => readZipEntries(zip.subarray(0, zip.length - 30), 'x.zip')).toThrow(/x\.zip: .*truncated/);
    const method = Buffer.from(zip);
    method.writeUInt16LE(12, zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10);
    expect(() => readZipEntries(method, 'x.zip')).toThrow(/compression method 12; only stored \(0\) and deflate \(8\)/);
    const bad = writeZip([['archive/b', b, 'deflate']], false);
    bad.fill(0xff, 39, 43); // the deflate stream (after the 30-byte header and the 9-byte name) now starts with a reserved block type
    expect(() => readZipEntries(bad, 'x.zip')).toThrow(/x\.zip: zip entry "archive\/b" (does not inflate|inflates to)/);
  });
});
