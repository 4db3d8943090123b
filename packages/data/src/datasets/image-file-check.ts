import * as fs from 'fs';

/**
 * Checks that `file` is a regular file before an image decoder sees it: given a folder, sharp says "unsupported image
 * format", which sends the user looking at the wrong thing.
 */
export async function assertImageFile(file: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot decode image ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (stat.isDirectory()) throw new Error(`cannot decode image ${file}: is a directory (give image files, not folders)`);
  if (!stat.isFile()) throw new Error(`cannot decode image ${file}: not a regular file`);
}
