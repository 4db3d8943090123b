#!/usr/bin/env node
// The browser builds: every package with a tsconfig.esm.json gets ES modules in dist/esm (its `browser` export
// condition), after the CommonJS build (whose .d.ts files both builds share). Those tsconfigs compile without Node's
// types, so an fs, path, process or require reached from a browser entry fails here, naming the file and line.
// dist/esm/package.json says "type": "module", so Node-aware tools (publint, bundlers) read those files as ESM.
// Usage: node tools/build-esm/build.js [package dir ...]   (default: every packages/* with a tsconfig.esm.json)
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

function packageDirs(args) {
  if (args.length) return args.map((a) => path.resolve(a));
  const base = path.join(ROOT, 'packages');
  return fs
    .readdirSync(base)
    .sort()
    .map((d) => path.join(base, d))
    .filter((d) => fs.existsSync(path.join(d, 'tsconfig.esm.json')));
}

let failed = 0;
for (const dir of packageDirs(process.argv.slice(2))) {
  const out = path.join(dir, 'dist/esm');
  fs.rmSync(out, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.esm.json')], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`build-esm: ${path.relative(ROOT, dir)} failed (a Node-only API on the browser path?):\n${r.stdout}${r.stderr}`);
    continue;
  }
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
}
process.exit(failed ? 1 : 0);
