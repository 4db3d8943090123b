import { promises as fs } from 'fs';
import * as path from 'path';

/**
 * Writes atomically: to a temporary file in the same directory, fsync, then rename, so a crash mid-write
 * leaves the previous file intact. (Imports nothing of vitkit: @vitkit/trainer's kill test runs this file alone.)
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    // Leave no temporary file behind; the target is untouched.
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
