// Relative paths in a spec file resolve against the spec file's folder (as in tsconfig.json or .eslintrc), whatever
// the working directory: here an image-folder dataset's `dir`.
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { createRegistry, selectBackend } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as data } from '@vitkit/data';
import { TINY_VIT } from './testing/tiny-run';
import { Trainer } from './trainer';

async function imageFolder(root: string): Promise<void> {
  for (const [c, name] of ['a', 'b', 'c'].entries()) {
    await fs.mkdir(path.join(root, name), { recursive: true });
    for (let i = 0; i < 4; i++) {
      await sharp(Buffer.alloc(64, 40 * c + 10 * i), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(path.join(root, name, `${i}.png`));
    }
  }
}

describe('relative paths in a spec file', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it("image-folder's dir resolves against the spec's folder, not the working directory", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-spec-paths-'));
    await imageFolder(path.join(root, 'project', 'images'));
    const specFile = path.join(root, 'project', 'specs', 'run.json');
    await fs.mkdir(path.dirname(specFile));
    const folder = { type: 'image-folder', dir: '../images', imageSize: 8, channels: 1, mean: [0.5], std: [0.5] };
    await fs.writeFile(
      specFile,
      JSON.stringify({ backend: 'keep', model: TINY_VIT, data: { train: folder, test: folder, batchSize: 4 }, train: { epochs: 1, outDir: path.join(root, 'out') } }),
    );
    const elsewhere = path.join(root, 'elsewhere');
    await fs.mkdir(elsewhere);
    const cwd = process.cwd();
    process.chdir(elsewhere);
    try {
      const t = await Trainer.create(path.relative(elsewhere, specFile), { progress: null, log: () => undefined, registry: createRegistry({ plugins: [tokenizers, backbones, data] }) });
      expect(t.data.trainSize).toBe(12);
      expect(t.data.classNames).toEqual(['a', 'b', 'c']);
      t.dispose();
      // The same spec read with the working directory as base would look in <elsewhere>/../images: not there.
      await expect(fs.access(path.resolve(elsewhere, '../images'))).rejects.toThrow();
    } finally {
      process.chdir(cwd);
    }
  });
});
