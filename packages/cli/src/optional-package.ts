import { MissingPackageError } from './exit-codes';

function isMissing(e: unknown, id: string): boolean {
  const err = e as NodeJS.ErrnoException;
  return err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${id}'`);
}

/** Requires an installed package, or returns undefined when it is not installed (any other failure is thrown). */
export function requireIfInstalled<T>(id: string): T | undefined {
  try {
    return require(id) as T;
  } catch (e) {
    if (isMissing(e, id)) return undefined;
    throw e;
  }
}

/** Requires a package a command needs; when it is not installed, a usage error names the install command. */
export function requirePackage<T>(id: string): T {
  const mod = requireIfInstalled<T>(id);
  if (mod === undefined) throw new MissingPackageError(id);
  return mod;
}
