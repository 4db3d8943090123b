import { promises as fs } from 'fs';
import * as path from 'path';

/**
 * `writeFileAtomic` (core) writes `.<name>.<pid>.<ms>.tmp` next to `<name>` and renames it; a process killed in
 * between leaves the temporary file behind, as large as a checkpoint. These are the ones named after `names`.
 */
function tempFilePattern(names: readonly string[]): RegExp {
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^\\.(${escaped.join('|')})\\.(\\d+)\\.(\\d+)\\.tmp$`);
}

/** Whether a process with this id runs (on this machine); EPERM means it runs under another user. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RemovedTempFile {
  file: string;
  pid: number;
}

/**
 * Removes the temporary files of `names` in `dir` (not below it) that a process no longer running left there.
 * Files of a live process (this one included) are kept: it may still be writing them. Returns what was removed.
 */
export async function removeStaleTempFiles(dir: string, names: readonly string[], isAlive = processIsAlive): Promise<RemovedTempFile[]> {
  const pattern = tempFilePattern(names);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const removed: RemovedTempFile[] = [];
  for (const entry of entries) {
    const m = entry.isFile() ? pattern.exec(entry.name) : null;
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || isAlive(pid)) continue;
    const file = path.join(dir, entry.name);
    await fs.rm(file, { force: true });
    removed.push({ file, pid });
  }
  return removed;
}
