#!/usr/bin/env node
// Production bundle size of an app that imports only @vitkit/core, @vitkit/tokenizers and @vitkit/backbones
// (bundle-size/main.ts), as vite builds it: prints each JavaScript chunk raw and gzipped (zlib's default level, as
// vite reports it) and the total. Needs the libraries built (npm run build:web-libs at the repository root).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = fileURLToPath(new URL('../bundle-size', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'vitkit-bundle-size-'));
try {
  const result = await build({ root, base: './', logLevel: 'warn', configFile: false, build: { outDir, target: 'es2022', write: false, chunkSizeWarningLimit: 4096 } });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  const chunks = outputs.filter((o) => o.type === 'chunk').map((c) => ({ name: c.fileName, raw: Buffer.byteLength(c.code), gzip: gzipSync(c.code).length }));
  const kB = (n) => `${(n / 1000).toFixed(1)} kB`;
  for (const c of chunks) process.stdout.write(`${c.name}  ${kB(c.raw)}  gzip ${kB(c.gzip)}\n`);
  const total = chunks.reduce((t, c) => ({ raw: t.raw + c.raw, gzip: t.gzip + c.gzip }), { raw: 0, gzip: 0 });
  process.stdout.write(`total JavaScript (vite ${(await import('vite')).version}): ${kB(total.raw)}, gzip ${kB(total.gzip)}\n`);
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
