import { inflateSync } from 'fflate';
import { PthError } from './pth-error';

/**
 * The entries of a zip archive (torch.save's format since 1.6), as views into `bytes`.
 *
 * PyTorch writes every entry stored (uncompressed) and 64-byte aligned, so an entry is returned as a subarray of
 * the file, not copied: a checkpoint is then held once in memory, and float32 storages can be read in place.
 * General zip readers (fflate, yauzl, adm-zip) copy or stream every entry, which is why the central directory is
 * read here; an archive re-packed by another tool may deflate entries, which fflate inflates (in Node and in browsers). Zip64 (files
 * over 4 GiB or 65535 entries) is read. CRCs are not checked (truncation is; a bit flip is not).
 */
export function readZipEntries(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const fail = (message: string): never => {
    throw new PthError(file, message);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => dv.getUint16(at, true);
  const u32 = (at: number) => dv.getUint32(at, true);
  const u64 = (at: number) => {
    const v = dv.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`zip field at byte ${at} is out of range (corrupt archive)`);
    return Number(v);
  };
  const within = (at: number, n: number, what: string) => {
    if (at < 0 || n < 0 || at + n > bytes.length) fail(`${what} lies past the end of the file (the file is truncated or corrupt)`);
  };

  // End of central directory: the last record, followed by a comment of at most 65535 bytes.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 0xffff; at--) {
    if (u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('no zip end-of-central-directory record (the file is truncated or not a zip archive)');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const z = u64(eocd - 12);
    within(z, 56, 'the zip64 end-of-central-directory record');
    if (u32(z) !== 0x06064b50) fail('bad zip64 end-of-central-directory record (corrupt archive)');
    count = u64(z + 32);
    cdSize = u64(z + 40);
    cdOffset = u64(z + 48);
  }
  within(cdOffset, cdSize, 'the zip central directory');

  const out = new Map<string, Uint8Array>();
  const names = new TextDecoder();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    within(at, 46, 'a zip central-directory entry');
    if (u32(at) !== 0x02014b50) fail(`zip central-directory entry ${i} has a bad signature (corrupt archive)`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    let compressed = u32(at + 20);
    let size = u32(at + 24);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    let local = u32(at + 42);
    within(at + 46, nameLen + extraLen, 'a zip entry name');
    const name = names.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // Zip64 extended information: the 64-bit values of the fields saturated above, in this order.
    for (let e = at + 46 + nameLen; e + 4 <= at + 46 + nameLen + extraLen; ) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff) {
          size = u64(f);
          f += 8;
        }
        if (compressed === 0xffffffff) {
          compressed = u64(f);
          f += 8;
        }
        if (local === 0xffffffff) local = u64(f);
      }
      e += 4 + len;
    }
    at += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) fail(`zip entry "${name}" is encrypted`);
    within(local, 30, `zip entry "${name}"`);
    if (u32(local) !== 0x04034b50) fail(`zip entry "${name}" has a bad local header (corrupt archive)`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + compressed > bytes.length) fail(`zip entry "${name}" has ${Math.max(0, bytes.length - start)} of its ${compressed} bytes (the file is truncated or corrupt)`);
    const raw = bytes.subarray(start, start + compressed);
    if (method === 0) {
      if (compressed !== size) fail(`stored zip entry "${name}" has ${compressed} bytes but declares ${size}`);
      out.set(name, raw);
    } else if (method === 8) {
      // Deflate cannot expand more than ~1032:1; a larger claim is corrupt or hostile, refused before inflating.
      if (size > 1032 * compressed + 1024) fail(`zip entry "${name}" claims ${size} bytes from ${compressed} compressed (corrupt or hostile archive)`);
      // One byte more than declared: fflate never grows a buffer it is given, so a longer stream fills it (and is caught).
      let data: Uint8Array;
      try {
        data = inflateSync(raw, { out: new Uint8Array(size + 1) });
      } catch (e) {
        return fail(`zip entry "${name}" does not inflate (${(e as Error).message})`);
      }
      if (data.length !== size) fail(`zip entry "${name}" inflates to ${data.length > size ? 'more than' : data.length} bytes, not the ${size} it declares (corrupt archive)`);
      out.set(name, data);
    } else {
      fail(`zip entry "${name}" uses compression method ${method}; only stored (0) and deflate (8) are read`);
    }
  }
  return out;
}
