import * as fs from 'fs';
import * as path from 'path';

// The reference data (state dicts and logits produced by the official implementations, the papers' counts) is kept
// outside the repository, in a `shared` folder beside the checkout; VITKIT_SHARED names another place. Tests ask here
// instead of counting `../` from their own folder, so the layout is known in one file.

function findCheckoutRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no vitkit checkout (nx.json) above ${from}: set VITKIT_SHARED to the reference data folder`);
  }
}

/** The reference data folder: $VITKIT_SHARED, or `shared` beside the checkout. */
export function sharedDir(): string {
  return process.env.VITKIT_SHARED ?? path.resolve(findCheckoutRoot(__dirname), '..', 'shared');
}

/** A path inside the parity fixtures folder (`fixtures/`: safetensors with `__input__`/`__logits__`, `pth/`). */
export function fixturePath(...parts: string[]): string {
  return path.join(sharedDir(), 'fixtures', ...parts);
}

/** A path inside the reference folder (`reference/counts.json`, the papers' numbers). */
export function referencePath(...parts: string[]): string {
  return path.join(sharedDir(), 'reference', ...parts);
}
