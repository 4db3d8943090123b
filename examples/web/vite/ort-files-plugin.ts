// onnxruntime-web's runtime files (src/onnx/ort-files.ts), copied from the installed package into the build under
// ort/ and answered by the dev server, so the ONNX tab runs offline from the app's own folder.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { engineRuntimeProblems, ORT_DIR, ORT_FILES } from '../src/onnx/ort-files.ts';

function ortDist(): string {
  const require = createRequire(import.meta.url);
  try {
    // the package exports no package.json; its main file sits in dist/ with the runtime files
    return dirname(require.resolve('onnxruntime-web'));
  } catch {
    throw new Error('ort-files plugin: onnxruntime-web is not installed (npm install in the repository root)');
  }
}

const CONTENT_TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

export function ortFiles(): Plugin {
  const read = (name: string): Buffer => readFileSync(join(ortDist(), name));
  return {
    name: 'vitkit-ort-files',
    buildStart() {
      const problems = engineRuntimeProblems((name) => read(name).toString('utf8'));
      if (problems.length) throw new Error(`ort-files plugin: onnxruntime-web's ${problems.join('; ')}: update ORT_ENGINE_FILES in src/onnx/ort-files.ts to the runtimes its entries name`);
    },
    generateBundle() {
      for (const name of ORT_FILES) this.emitFile({ type: 'asset', fileName: `${ORT_DIR}${name}`, source: read(name) });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0].replace(server.config.base, '');
        const name = path.startsWith(ORT_DIR) ? path.slice(ORT_DIR.length) : '';
        if (!ORT_FILES.includes(name)) return next();
        res.setHeader('Content-Type', CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream');
        res.end(read(name));
      });
    },
  };
}
