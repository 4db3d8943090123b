#!/usr/bin/env node
// Publishing checks for every package of the monorepo (and the example plugin):
//   1. package.json shape: exports map with types, files, sideEffects; tfjs / tsyringe / reflect-metadata /
//      sibling @vitkit packages only as peers (one shared copy in the user's project), node backends optional;
//   2. undeclared imports: every bare `require()` in the published JS (the files `npm pack` would ship) names a
//      dependency or peer of the package, and no relative require leaves the package folder;
//   3. registry dependencies: the package's presets name only components that core, the package and its declared
//      @vitkit packages register;
//   4. publint and @arethetypeswrong/cli (attw) on the packed package;
//   5. tarball contents: a LICENSE (the Apache-2.0 text when the license says so), nothing test-only (test files,
//      test helpers, fixtures; a `testing` folder only as the package's declared `./testing` entry), and every
//      source map / declaration map (and every sourceMappingURL) resolving to files in the tarball;
//   6. metadata of first-party packages: repository (with this package's directory), homepage, bugs, keywords;
//   7. workspace-wide: package-lock.json records every package.json's dependency fields as they are (else
//      `npm install` on a fresh clone rewrites the lock), and core's first-party hint table
//      (packages/core/src/registry/first-party-hints.ts) names exactly what each package's plugin registers.
// Usage: node tools/e2e-registry/check-packages.js [package dir ...]   (default: packages/* and examples/plugin-*)
// Needs the packages built (npm run build). Exit code 1 when any check fails.
'use strict';
const fs = require('fs');
const path = require('path');
const { builtinModules } = require('module');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'node_modules/.bin');
const PEER_ONLY = [/^@tensorflow\//, /^tsyringe$/, /^reflect-metadata$/, /^@vitkit\//];
const OPTIONAL_PEERS = [/^@tensorflow\/tfjs-node(-gpu)?$/];

function packageDirs(args) {
  if (args.length) return args.map((a) => path.resolve(a));
  const dirs = [];
  for (const parent of ['packages', 'examples']) {
    const base = path.join(ROOT, parent);
    if (!fs.existsSync(base)) continue;
    for (const d of fs.readdirSync(base).sort()) {
      if (fs.existsSync(path.join(base, d, 'package.json'))) dirs.push(path.join(base, d));
    }
  }
  return dirs;
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const BUILTINS = new Set(builtinModules);

function checkManifest(pkg) {
  const errors = [];
  const root = pkg.exports?.['.'];
  if (!root || typeof root !== 'object' || !root.types || !(root.default || root.require)) errors.push('exports["."] must be an object with "types" and "default" (or "require")');
  if (!Array.isArray(pkg.files) || !pkg.files.length) errors.push('"files" must list what is published (dist, README.md)');
  if (pkg.sideEffects === undefined) errors.push('"sideEffects" must be set (false: registration happens only through plugin.register)');
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (PEER_ONLY.some((re) => re.test(dep))) errors.push(`"${dep}" is in dependencies; it must be a peerDependency (one shared copy per project)`);
  }
  for (const dep of Object.keys(pkg.peerDependencies ?? {})) {
    if (OPTIONAL_PEERS.some((re) => re.test(dep)) && !pkg.peerDependenciesMeta?.[dep]?.optional) errors.push(`peer "${dep}" must be optional (peerDependenciesMeta)`);
  }
  return errors;
}

/** The files `npm pack` would publish (so the scan sees exactly what users get). */
const packCache = new Map();
function packedFiles(dir) {
  if (!packCache.has(dir)) {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], { cwd: dir, encoding: 'utf8', timeout: 120000 });
    if (r.status !== 0) throw new Error(`npm pack --dry-run failed in ${dir}: ${r.stderr}`);
    packCache.set(dir, JSON.parse(r.stdout)[0].files.map((f) => path.join(dir, f.path)));
  }
  return packCache.get(dir);
}

/** Test-only files by name: tests, test helpers and plugins, fixtures. */
const TEST_ONLY = /(^|\/)([^/]+\.(test|spec)\.[^/]+|test-utils\.[^/]+|test-helpers\.[^/]+|train-utils\.[^/]+|test-plugin\.[^/]+|__fixtures__\/.*|fixture-specs\/.*)$/;

/**
 * What a user gets in the tarball: a LICENSE, no test-only file (a `testing/` folder only when the package
 * exports `./testing`), and maps that resolve: each `.map`'s sources and each sourceMappingURL name shipped files.
 */
function checkTarball(dir, pkg) {
  const errors = [];
  const files = packedFiles(dir);
  const shipped = new Set(files);
  const rel = (f) => path.relative(dir, f).split(path.sep).join('/');
  const license = files.find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(rel(f)));
  if (!license) errors.push('tarball has no LICENSE file');
  else if (pkg.license === 'Apache-2.0' && !/Apache License\s+Version 2\.0/.test(fs.readFileSync(license, 'utf8'))) errors.push(`${rel(license)} is not the Apache-2.0 text that "license" declares`);
  const testingEntry = Boolean(pkg.exports?.['./testing']);
  for (const f of files) {
    const r = rel(f);
    if (TEST_ONLY.test(r)) errors.push(`tarball ships test-only file ${r}`);
    else if (/(^|\/)testing\//.test(r) && !testingEntry) errors.push(`tarball ships ${r} but the package exports no "./testing" entry`);
  }
  for (const f of files) {
    const r = rel(f);
    if (r.endsWith('.map')) {
      let map;
      try {
        map = JSON.parse(fs.readFileSync(f, 'utf8'));
      } catch (e) {
        errors.push(`${r}: not valid JSON (${e.message})`);
        continue;
      }
      for (const src of map.sources ?? []) {
        const target = path.resolve(path.dirname(f), map.sourceRoot ?? '', src);
        if (!shipped.has(target)) errors.push(`${r}: source "${src}" is not in the tarball (ship it or do not ship the map)`);
      }
    } else if (/\.(c?js|d\.c?ts)$/.test(r)) {
      const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(f, 'utf8'));
      if (m && !m[1].startsWith('data:') && !shipped.has(path.resolve(path.dirname(f), m[1]))) errors.push(`${r}: sourceMappingURL "${m[1]}" is not in the tarball`);
    }
  }
  return [...new Set(errors)].slice(0, 12);
}

/** repository (with the package's folder), homepage, bugs and keywords, for the first-party packages. */
function checkMetadata(dir, pkg) {
  if (!pkg.name.startsWith('@vitkit/')) return [];
  const errors = [];
  const repo = pkg.repository;
  if (!repo || typeof repo !== 'object' || !repo.url) errors.push('"repository" must be { type, url, directory }');
  else if (repo.directory !== path.relative(ROOT, dir).split(path.sep).join('/')) errors.push(`"repository.directory" is ${JSON.stringify(repo.directory)}, expected "${path.relative(ROOT, dir)}"`);
  if (!pkg.homepage) errors.push('"homepage" is missing');
  if (!pkg.bugs?.url) errors.push('"bugs.url" is missing');
  if (!Array.isArray(pkg.keywords) || !pkg.keywords.length) errors.push('"keywords" is missing');
  return errors.map((e) => `package.json: ${e}`);
}

const LOCKED_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta'];

/**
 * package-lock.json must hold each workspace's dependency fields exactly as its package.json has them: otherwise
 * `npm install` on a fresh clone rewrites the lock (as it did when optional peers were added without `npm install`).
 */
function checkLockfile() {
  const lockFile = path.join(ROOT, 'package-lock.json');
  const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
  const root = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const errors = [];
  const entries = [['', root]];
  for (const ws of root.workspaces ?? []) {
    const base = path.join(ROOT, ws.replace(/\/\*$/, ''));
    if (!ws.endsWith('/*')) entries.push([ws, JSON.parse(fs.readFileSync(path.join(base, 'package.json'), 'utf8'))]);
    else for (const d of fs.readdirSync(base).sort()) {
      const pj = path.join(base, d, 'package.json');
      if (fs.existsSync(pj)) entries.push([path.relative(ROOT, path.join(base, d)).split(path.sep).join('/'), JSON.parse(fs.readFileSync(pj, 'utf8'))]);
    }
  }
  const norm = (o) => JSON.stringify(Object.fromEntries(Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b))));
  for (const [key, pkg] of entries) {
    const locked = lock.packages?.[key];
    if (!locked) {
      errors.push(`package-lock.json has no entry "${key}" (${pkg.name}): run npm install and commit the lock`);
      continue;
    }
    for (const field of LOCKED_FIELDS) {
      if (norm(pkg[field]) !== norm(locked[field])) errors.push(`package-lock.json: "${key || '(root)'}".${field} differs from ${key ? `${key}/` : ''}package.json: run npm install and commit the lock`);
    }
  }
  return errors;
}

/** core's hint table (which package provides which component) against what each first-party plugin registers. */
function checkFirstPartyHints(dirs) {
  let table;
  let core;
  try {
    table = require(path.join(ROOT, 'packages/core/dist/registry/first-party-hints.js')).FIRST_PARTY_COMPONENTS;
    core = require(path.join(ROOT, 'node_modules/@vitkit/core'));
  } catch (e) {
    return [`cannot load core's first-party hint table: ${e.message.split('\n')[0]}`];
  }
  const errors = [];
  const base = core.createRegistry();
  for (const dir of dirs) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (!pkg.name.startsWith('@vitkit/') || pkg.name === '@vitkit/core') continue;
    let mod;
    try {
      mod = require(dir);
    } catch {
      continue; // reported by checkRegistryDeps
    }
    if (!mod.plugin) continue;
    const r = core.createRegistry({ plugins: [mod.plugin] });
    const registered = {};
    for (const kind of r.kinds()) {
      const names = r.names(kind).filter((n) => !base.has(kind, n));
      if (names.length) registered[kind] = names;
    }
    const sortKinds = (o) => JSON.stringify(Object.keys(o).sort().map((k) => [k, [...o[k]].sort()]));
    if (sortKinds(registered) !== sortKinds(table[pkg.name] ?? {})) {
      errors.push(`FIRST_PARTY_COMPONENTS["${pkg.name}"] in packages/core/src/registry/first-party-hints.ts is ${sortKinds(table[pkg.name] ?? {})}; the plugin registers ${sortKinds(registered)}`);
    }
  }
  return errors;
}

function checkImports(dir, pkg) {
  const errors = [];
  const dist = path.join(dir, 'dist');
  if (!fs.existsSync(dist)) return [`${path.relative(ROOT, dist)} does not exist: build first (npm run build)`];
  const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
  const re = /\brequire\((["'])([^"']+)\1\)|\bimport\((["'])([^"']+)\3\)/g;
  const published = packedFiles(dir);
  if (!published.some((f) => f.startsWith(dist + path.sep))) errors.push('npm pack would publish nothing from dist/');
  for (const file of published) {
    if (!/\.(c?js)$/.test(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(re)) {
      const spec = m[2] ?? m[4];
      const rel = path.relative(ROOT, file);
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(dir + path.sep)) errors.push(`${rel}: require("${spec}") leaves the package (resolves to ${path.relative(ROOT, target)})`);
        continue;
      }
      if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0])) continue;
      const name = packageName(spec);
      if (!declared.has(name)) errors.push(`${rel}: requires "${spec}" but ${pkg.name} declares no dependency or peer "${name}"`);
    }
  }
  return [...new Set(errors)];
}

/**
 * Registry-level dependencies: the package's presets may only name component types that core, the package itself
 * and the @vitkit packages it declares (dependencies or peers) register. Catches e.g. a backbone preset whose
 * tokenizer comes from a package the backbones do not declare.
 */
function checkRegistryDeps(dir, pkg) {
  let mod;
  try {
    require(path.join(ROOT, 'node_modules/reflect-metadata'));
    mod = require(dir);
  } catch (e) {
    return [`cannot load the built package: ${e.message.split('\n')[0]}`];
  }
  if (!mod.plugin || typeof mod.plugin.register !== 'function') return [];
  const core = require(path.join(ROOT, 'node_modules/@vitkit/core'));
  const declared = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})].filter((d) => d.startsWith('@vitkit/') && d !== '@vitkit/core');
  const plugins = [];
  for (const d of declared) {
    try {
      const m = require(path.join(ROOT, 'node_modules', d));
      if (m.plugin) plugins.push(m.plugin);
    } catch {
      // a declared package that is not built here: its components are simply not checked against
    }
  }
  const registry = core.createRegistry({ plugins: [...plugins, mod.plugin] });
  const known = new Set(registry.kinds().flatMap((k) => registry.components(k).map((c) => c.name)));
  const errors = [];
  const walkSpec = (v, where, preset) => {
    if (Array.isArray(v)) v.forEach((x, i) => walkSpec(x, `${where}[${i}]`, preset));
    else if (v && typeof v === 'object') {
      if (typeof v.type === 'string' && !known.has(v.type)) {
        errors.push(`preset "${preset}" uses component "${v.type}" (${where || 'model'}), which neither ${pkg.name} nor core nor its declared @vitkit packages (${declared.join(', ') || 'none'}) register`);
      }
      for (const [k, x] of Object.entries(v)) if (k !== 'type') walkSpec(x, where ? `${where}.${k}` : k, preset);
    }
  };
  for (const name of registry.listModels('*')) {
    const p = registry.preset(name);
    if (p.owner === pkg.name) walkSpec(p.spec, '', name);
  }
  return [...new Set(errors)].slice(0, 10);
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 180000 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '') };
}

function main() {
  const dirs = packageDirs(process.argv.slice(2));
  let failed = 0;
  for (const dir of dirs) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (pkg.private) continue;
    const problems = [...checkManifest(pkg).map((e) => `package.json: ${e}`), ...checkMetadata(dir, pkg), ...checkImports(dir, pkg), ...checkTarball(dir, pkg), ...checkRegistryDeps(dir, pkg)];
    const publint = run(path.join(BIN, 'publint'), ['.', '--strict'], dir);
    const publintMsgs = publint.out.split('\n').filter((l) => /^\d+\. /.test(l.trim()));
    if (publint.code !== 0) problems.push(`publint:\n      ${publintMsgs.join('\n      ') || publint.out.trim()}`);
    const attw = run(path.join(BIN, 'attw'), ['--pack', '.', '--format', 'ascii'], dir);
    if (attw.code !== 0) problems.push(`attw:\n      ${attw.out.trim().split('\n').filter((l) => l.trim()).slice(0, 12).join('\n      ')}`);
    const suggestions = publint.code === 0 ? publintMsgs : [];
    const label = `${pkg.name}@${pkg.version} (${path.relative(ROOT, dir)})`;
    if (problems.length) {
      failed++;
      process.stdout.write(`FAIL ${label}\n${problems.map((p) => `   - ${p}`).join('\n')}\n`);
    } else {
      process.stdout.write(`ok   ${label}: manifest, metadata, imports, tarball (LICENSE, no tests, maps), registry deps, publint, attw${suggestions.length ? ` (publint suggestions: ${suggestions.join('; ')})` : ''}\n`);
    }
  }
  if (!process.argv.slice(2).length) {
    const workspace = [...checkLockfile(), ...checkFirstPartyHints(dirs)];
    if (workspace.length) {
      failed++;
      process.stdout.write(`FAIL workspace\n${workspace.map((p) => `   - ${p}`).join('\n')}\n`);
    } else process.stdout.write('ok   workspace: package-lock.json in step with every package.json, first-party hint table\n');
  }
  const total = dirs.length + (process.argv.slice(2).length ? 0 : 1);
  process.stdout.write(`${total - failed} passed, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}

main();
