#!/usr/bin/env node
// Publishing checks for every package of the monorepo (and the example plugin):
//   1. package.json shape: exports map with types, files, sideEffects; tfjs / tsyringe / reflect-metadata /
//      sibling @vitkit packages only as peers (one shared copy in the user's project), node backends optional;
//   2. undeclared imports: every bare `require()` in the published JS (the files `npm pack` would ship) names a
//      dependency or peer of the package, and no relative require leaves the package folder;
//   3. registry dependencies: the package's presets name only components that core, the package and its declared
//      @vitkit packages register;
//   4. publint and @arethetypeswrong/cli (attw) on the packed package.
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
function packedFiles(dir) {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`npm pack --dry-run failed in ${dir}: ${r.stderr}`);
  return JSON.parse(r.stdout)[0].files.map((f) => path.join(dir, f.path));
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
    const problems = [...checkManifest(pkg).map((e) => `package.json: ${e}`), ...checkImports(dir, pkg), ...checkRegistryDeps(dir, pkg)];
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
      process.stdout.write(`ok   ${label}: manifest, imports, registry deps, publint, attw${suggestions.length ? ` (publint suggestions: ${suggestions.join('; ')})` : ''}\n`);
    }
  }
  process.stdout.write(`${dirs.length - failed} passed, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}

main();
