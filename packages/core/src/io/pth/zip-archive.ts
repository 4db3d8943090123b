import { unzipSync } from 'fflate';
import { PthError } from './pth-error';

/**
 * The entries of a zip archive (torch.save's format since 1.6). PyTorch writes every entry stored (uncompressed,
 * 64-byte aligned); an archive re-packed by another tool may deflate them, which fflate inflates as well. Zip64
 * (checkpoints over 4 GiB) is handled by fflate.
 */
export function readZipEntries(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const sizes = new Map<string, number>();
  let raw: Record<string, Uint8Array>;
  try {
    raw = unzipSync(bytes, {
      filter: (f) => {
        if (f.compression !== 0 && f.compression !== 8) {
          throw new PthError(file, `zip entry "${f.name}" uses compression method ${f.compression}; only stored (0) and deflate (8) are read`);
        }
        // Deflate cannot expand more than ~1032:1; a larger claim is a corrupt or hostile archive, refused before
        // fflate allocates it.
        if (f.compression === 8 && f.originalSize > 1032 * f.size + 1024) {
          throw new PthError(file, `zip entry "${f.name}" claims ${f.originalSize} bytes from ${f.size} compressed (corrupt or hostile archive)`);
        }
        sizes.set(f.name, f.originalSize);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof PthError) throw e;
    throw new PthError(file, `not a readable zip archive, or truncated (${(e as Error).message})`);
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(raw)) {
    // fflate returns whatever bytes lie in the file for a stored entry; a short one means the file was cut.
    if (data.length !== sizes.get(name)) {
      throw new PthError(file, `zip entry "${name}" has ${data.length} of its ${sizes.get(name)} bytes (the file is truncated or corrupt)`);
    }
    out.set(name, data);
  }
  return out;
}
