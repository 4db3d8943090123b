#!/usr/bin/env node
// `npm run web` (root) lands here after building the libraries: builds the app and serves the build with vite preview,
// printing the URL. `--dev` serves the sources with vite's dev server instead (reloads on edits).
import { fileURLToPath } from 'node:url';
import { build, createServer, preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const dev = process.argv.includes('--dev');

let server;
if (dev) {
  server = await createServer({ root });
  await server.listen();
} else {
  await build({ root });
  server = await preview({ root });
}
const urls = server.resolvedUrls?.local ?? [];
if (!urls.length) throw new Error('vite gave no local URL');
process.stdout.write(`\nvitkit example app (${dev ? 'vite dev server' : 'production build, vite preview'}): ${urls[0]}\nCtrl-C stops it.\n`);
