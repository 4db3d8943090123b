import { spawn } from 'child_process';
import * as path from 'path';
import { loadCheckpoint } from '../checkpoint';

const packages = path.resolve(__dirname, '../../..');

/**
 * A require hook for a child process: transpiles the TypeScript sources and maps `@vitkit/<pkg>` to
 * `packages/<pkg>/src`, so the child runs the same code as the test without a build.
 */
export const TS_REQUIRE_HOOK = `
const Module = require('module');
const fs = require('fs');
const path = require('path');
const ts = require(${JSON.stringify(require.resolve('typescript'))});
require(${JSON.stringify(require.resolve('reflect-metadata'))});
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const m = /^@vitkit\\/([a-z-]+)$/.exec(request);
  if (m) request = path.join(${JSON.stringify(packages)}, m[1], 'src', 'index.ts');
  else if (request.startsWith('.') && parent && parent.filename && parent.filename.endsWith('.ts')) {
    const base = path.resolve(path.dirname(parent.filename), request);
    if (fs.existsSync(base + '.ts')) request = base + '.ts';
    else if (fs.existsSync(path.join(base, 'index.ts'))) request = path.join(base, 'index.ts');
  }
  return resolve.call(this, request, parent, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true, esModuleInterop: true },
  });
  module._compile(out.outputText, filename);
};
`;

/**
 * Runs `script` (CommonJS, with TS_REQUIRE_HOOK written to `hookFile` and required first) in a child process and
 * kills it with SIGKILL as soon as `checkpoint` holds a step ≥ `atStep`. Returns the step seen when it was killed;
 * throws when the child ended first.
 */
export async function killWhenCheckpointed(script: string, checkpoint: string, atStep: number): Promise<number> {
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  let killedAt = -1;
  for (let i = 0; i < 6000 && killedAt < 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    if (proc.exitCode !== null) break;
    try {
      const step = (await loadCheckpoint(checkpoint)).meta.step;
      if (step >= atStep) {
        proc.kill('SIGKILL');
        killedAt = step;
      }
    } catch {
      // not written yet (or being replaced: the rename is atomic, a reader never sees half a file)
    }
  }
  await exited;
  if (killedAt < 0) throw new Error(`the child ended before it could be killed: ${out} ${err}`);
  if (out.includes('finished')) throw new Error(`the child finished although it was killed at step ${killedAt}`);
  return killedAt;
}
