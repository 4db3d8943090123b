#!/usr/bin/env node
// Check of the plugin generator: scaffolds a plugin into a temp dir and proves the result works.
//   node tools/create-plugin/check.js          (needs the packages built: npm run build)
// 1. argument errors and the file list; 2. package.json shape (peers, exports with types, files, sideEffects);
// 3. the scaffold typechecks, its own jest tests pass (including describeRegistryContract), it builds,
//    and the built package is loaded by name through core's loadPlugins and its preset builds and runs.
// The temp project resolves @vitkit/core, jest, ts-jest and typescript through a symlink to this repo's node_modules.
// Prints "N passed, N failed" and exits 1 on any failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { scaffold, names } = require('./index');

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'node_modules/.bin');
let passed = 0;
let failed = 0;

function check(label, fn) {
  const t0 = Date.now();
  try {
    fn();
    passed++;
    process.stdout.write(`  ok   ${label} (${Date.now() - t0} ms)\n`);
  } catch (e) {
    failed++;
    process.stdout.write(`  FAIL ${label}\n       ${String(e.message).split('\n').join('\n       ')}\n`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function run(cmd, args, cwd, timeout = 300000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, FORCE_COLOR: '0' } });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.status ?? r.signal}\n${(r.stdout ?? '').slice(-3000)}${(r.stderr ?? '').slice(-3000)}`);
  return `${r.stdout}${r.stderr}`;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-create-plugin-'));
try {
  const name = '@acme/vitkit-plugin-demo-tok';
  const dir = path.join(tmp, 'vitkit-plugin-demo-tok');
  const cli = path.join(__dirname, 'index.js');

  check('CLI: rejects an invalid name and a non-empty folder, prints usage without arguments', () => {
    const bad = spawnSync(process.execPath, [cli, 'Not A Name', '--dir', path.join(tmp, 'bad')], { encoding: 'utf8' });
    assert(bad.status === 1 && /not a valid npm package name/.test(bad.stderr), `invalid name: exit ${bad.status}, ${bad.stderr}`);
    const usage = spawnSync(process.execPath, [cli], { encoding: 'utf8' });
    assert(usage.status === 2 && /usage:/.test(usage.stdout), `no arguments: exit ${usage.status}`);
    fs.mkdirSync(path.join(tmp, 'full'));
    fs.writeFileSync(path.join(tmp, 'full', 'x'), '');
    const full = spawnSync(process.execPath, [cli, 'vitkit-plugin-x', '--dir', path.join(tmp, 'full')], { encoding: 'utf8' });
    assert(full.status === 1 && /not empty/.test(full.stderr), `non-empty dir: exit ${full.status}`);
  });

  check('CLI: scaffolds the package', () => {
    const out = run(process.execPath, [cli, name, '--dir', dir], tmp);
    assert(out.includes(`created ${name}`), out);
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'jest.config.js', 'README.md', '.gitignore', 'src/index.ts', 'src/tokenizer.ts', 'src/classifier.ts', 'src/plugin.test.ts']) {
      assert(fs.existsSync(path.join(dir, f)), `missing ${f}`);
    }
  });

  check('names: scope and vitkit-plugin- prefix stripped', () => {
    const n = names(name);
    assert(n.kebab === 'demo-tok' && n.snake === 'demo_tok' && n.pascal === 'DemoTok', JSON.stringify(n));
  });

  check('package.json: peers, exports with types, files, sideEffects, no runtime dependencies', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    assert(pkg.name === name, `name ${pkg.name}`);
    for (const peer of ['@vitkit/core', '@tensorflow/tfjs', 'tsyringe', 'reflect-metadata']) assert(pkg.peerDependencies?.[peer], `peer ${peer} missing`);
    assert(!pkg.dependencies, 'a plugin must not bundle dependencies of its own here');
    assert(pkg.exports?.['.']?.types === './dist/index.d.ts' && pkg.exports['.'].default === './dist/index.js', 'exports["."]');
    assert(pkg.files.includes('dist') && pkg.sideEffects === false && pkg.type === 'commonjs', 'files / sideEffects / type');
    assert(pkg.keywords.includes('vitkit-plugin'), 'keyword vitkit-plugin');
  });

  // Resolve @vitkit/core, jest, ts-jest, typescript from this repository.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');

  check('typechecks (tsc --noEmit, tests included)', () => {
    run(path.join(BIN, 'tsc'), ['-p', 'tsconfig.json', '--noEmit'], dir);
  });

  check('its own tests pass (jest, incl. describeRegistryContract)', () => {
    const out = run(path.join(BIN, 'jest'), ['--config', 'jest.config.js', '--ci'], dir);
    const m = out.match(/Tests:\s+(.*)/);
    assert(m && /passed/.test(m[1]) && !/failed/.test(m[1]), out.slice(-2000));
    process.stdout.write(`       jest: ${m[1].trim()}\n`);
  });

  check('builds to dist/ without tests', () => {
    run(path.join(BIN, 'tsc'), ['-p', 'tsconfig.build.json'], dir);
    assert(fs.existsSync(path.join(dir, 'dist/index.js')) && fs.existsSync(path.join(dir, 'dist/index.d.ts')), 'dist/index.js/.d.ts');
    assert(!fs.existsSync(path.join(dir, 'dist/plugin.test.js')), 'tests were compiled into dist/');
  });

  check('the built package loads by name from a spec folder and its preset runs', () => {
    // Install it the way npm would: <project>/node_modules/@acme/vitkit-plugin-demo-tok.
    const project = path.join(tmp, 'project');
    fs.mkdirSync(path.join(project, 'node_modules/@acme'), { recursive: true });
    fs.symlinkSync(dir, path.join(project, 'node_modules', name), 'dir');
    const script = `
      require(${JSON.stringify(path.join(ROOT, 'node_modules/reflect-metadata'))});
      const core = require(${JSON.stringify(path.join(ROOT, 'node_modules/@vitkit/core'))});
      (async () => {
        await core.selectBackend('wasm', { quiet: true });
        const registry = core.createRegistry();
        core.loadPlugins(registry, [${JSON.stringify(name)}], ${JSON.stringify(project)});
        const model = core.buildModel(registry, 'demo_tok_tiny').eval();
        const y = core.tf.tidy(() => model.forward(core.tf.ones([2, 32, 32, 3])));
        let missing = '';
        try { core.loadPlugins(registry, ['vitkit-plugin-nope'], ${JSON.stringify(project)}); } catch (e) { missing = e.message; }
        console.log(JSON.stringify({ shape: y.shape, owner: registry.components('backbone').find((d) => d.name === 'demo-tok-classifier').owner, missing }));
        process.exit(0);
      })().catch((e) => { console.error(e.stack); process.exit(1); });`;
    const out = run(process.execPath, ['-e', script], project);
    const res = JSON.parse(out.trim().split('\n').pop());
    assert(JSON.stringify(res.shape) === '[2,10]', `logits shape ${res.shape}`);
    assert(res.owner === name, `owner ${res.owner}`);
    assert(/npm install vitkit-plugin-nope/.test(res.missing), `missing-plugin error: ${res.missing}`);
  });
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
