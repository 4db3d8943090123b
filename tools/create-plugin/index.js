#!/usr/bin/env node
// Scaffolds a third-party vitkit plugin package (see docs/plugins.md):
//
//   node tools/create-plugin/index.js <package-name> [--dir <path>] [--force]
//
// e.g. `node tools/create-plugin/index.js vitkit-plugin-foo` writes ./vitkit-plugin-foo/ with a package.json
// (peers: @vitkit/core, @tensorflow/tfjs, tsyringe, reflect-metadata; exports map; files; sideEffects), tsconfigs,
// jest config, src/ with a registered example tokenizer, a small example backbone and a preset, a contract test
// (describeRegistryContract from @vitkit/core/testing) and a README. Then: cd <dir> && npm install && npm test.
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Versions the scaffold pins: taken from this repository when it is there, else these defaults. */
function versions() {
  const root = readJson(path.join(ROOT, 'package.json')) ?? {};
  const core = readJson(path.join(ROOT, 'packages/core/package.json')) ?? {};
  const dev = root.devDependencies ?? {};
  const peers = core.peerDependencies ?? {};
  const coreVersion = core.version ?? '0.1.0';
  const [major, minor] = coreVersion.split('.').map(Number);
  return {
    // The same range the first-party plugins declare: the plugin contract holds across core 0.x (docs/plugins.md).
    corePeer: major === 0 ? `>=${major}.${minor}.0 <1.0.0` : `^${major}.0.0`,
    coreDev: `^${coreVersion}`,
    tfjs: peers['@tensorflow/tfjs'] ?? '^4.22.0',
    wasm: peers['@tensorflow/tfjs-backend-wasm'] ?? '^4.22.0',
    tsyringe: peers.tsyringe ?? '^4.10.0',
    reflect: peers['reflect-metadata'] ?? '^0.2.2',
    typescript: dev.typescript ?? '~5.9.3',
    jest: dev.jest ?? '^29.7.0',
    tsJest: dev['ts-jest'] ?? '^29.4.15',
    typesJest: dev['@types/jest'] ?? '^29.5.14',
    typesNode: dev['@types/node'] ?? '^20.19.0',
  };
}

const NAME_RE = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

function parseArgs(argv) {
  const out = { name: undefined, dir: undefined, force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') out.dir = argv[++i];
    else if (a.startsWith('--dir=')) out.dir = a.slice(6);
    else if (a === '--force') out.force = true;
    else if (a === '-h' || a === '--help') out.help = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else if (out.name === undefined) out.name = a;
    else throw new Error(`unexpected argument "${a}"`);
  }
  return out;
}

/** `@acme/vitkit-plugin-foo-bar` → `foo-bar` (component names), `foo_bar` (preset names), `FooBar` (classes). */
function names(pkgName) {
  const base = pkgName.replace(/^@[^/]+\//, '').replace(/^vitkit-plugin-/, '').replace(/^vitkit-/, '');
  const kebab = base.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'plugin';
  const pascal = kebab
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return { kebab, snake: kebab.replace(/-/g, '_'), pascal: /^[0-9]/.test(pascal) ? `P${pascal}` : pascal };
}

function files(pkgName) {
  const v = versions();
  const n = names(pkgName);
  const tokenizerClass = `${n.pascal}Tokenizer`;
  const classifierClass = `${n.pascal}Classifier`;
  const pkg = {
    name: pkgName,
    version: '0.1.0',
    description: `vitkit plugin: ${n.kebab} components`,
    license: 'Apache-2.0',
    keywords: ['vitkit-plugin', 'vision-transformer'],
    type: 'commonjs',
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    files: ['dist', '!dist/**/*.test.*', '!dist/**/*.tsbuildinfo', 'README.md'],
    sideEffects: false,
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      test: 'jest',
      prepublishOnly: 'npm run build',
    },
    peerDependencies: {
      '@vitkit/core': v.corePeer,
      '@tensorflow/tfjs': v.tfjs,
      tsyringe: v.tsyringe,
      'reflect-metadata': v.reflect,
    },
    devDependencies: {
      '@vitkit/core': v.coreDev,
      '@tensorflow/tfjs': v.tfjs,
      '@tensorflow/tfjs-backend-wasm': v.wasm,
      tsyringe: v.tsyringe,
      'reflect-metadata': v.reflect,
      typescript: v.typescript,
      jest: v.jest,
      'ts-jest': v.tsJest,
      '@types/jest': v.typesJest,
      '@types/node': v.typesNode,
    },
    engines: { node: '>=20' },
  };

  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'node16',
      moduleResolution: 'node16',
      lib: ['ES2022'],
      types: ['node', 'jest'],
      strict: true,
      isolatedModules: true,
      noImplicitOverride: true,
      esModuleInterop: true,
      skipLibCheck: true,
      forceConsistentCasingInFileNames: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      declaration: true,
      sourceMap: true,
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src/**/*.ts'],
  };
  const tsconfigBuild = { extends: './tsconfig.json', compilerOptions: { types: ['node'] }, exclude: ['src/**/*.test.ts'] };

  const jestConfig = `// @vitkit/* resolve to the installed, built packages; reflect-metadata is loaded before tsyringe.
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  transform: { '^.+\\\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }] },
  setupFiles: ['reflect-metadata'],
  testTimeout: 120000,
  maxWorkers: 1,
};
`;

  const tokenizerTs = `import { Linear, s, SpecError, tf, Tokenizer } from '@vitkit/core';
import type { SchemaType } from '@vitkit/core';

/** Options schema: validated before \`create\`; errors name the spec path (e.g. \`model.tokenizer.patchSize\`). */
export const ${n.snake}TokenizerOptions = s.object({
  imgSize: s.int({ min: 1 }),
  inChans: s.default(s.int({ min: 1 }), 3),
  embedDim: s.int({ min: 1 }),
  patchSize: s.default(s.int({ min: 1 }), 4),
});

export type ${tokenizerClass}Options = SchemaType<typeof ${n.snake}TokenizerOptions>;

/**
 * Example tokenizer: non-overlapping patches, each flattened and projected by a Linear layer.
 * Tokenizer contract (@vitkit/core): NHWC image \`[B, H, W, C]\` in, tokens \`[B, numTokens, embedDim]\` out.
 * Written with reshape/transpose/matMul only, so it trains on every backend (wasm included).
 */
export class ${tokenizerClass} extends Tokenizer {
  readonly embedDim: number;
  readonly numTokens: number;
  readonly grid: [number, number];
  readonly proj: Linear;

  constructor(readonly options: ${tokenizerClass}Options, path = 'tokenizer') {
    super();
    const { imgSize, inChans, embedDim, patchSize } = options;
    if (imgSize % patchSize !== 0) {
      throw new SpecError([{ path: \`\${path}.patchSize\`, message: \`\${patchSize} does not divide the image size \${imgSize}\` }]);
    }
    this.embedDim = embedDim;
    this.grid = [imgSize / patchSize, imgSize / patchSize];
    this.numTokens = this.grid[0] * this.grid[1];
    // Parameter names compose with dots like PyTorch: this one is saved as \`<mount>.proj.weight\` / \`.bias\`.
    this.proj = this.addModule('proj', new Linear(patchSize * patchSize * inChans, embedDim));
  }

  forward(x: tf.Tensor4D): tf.Tensor3D {
    const [b, h, w, c] = x.shape;
    const p = this.options.patchSize;
    if (h !== this.options.imgSize || w !== this.options.imgSize || c !== this.options.inChans) {
      throw new Error(\`${tokenizerClass}: expected [B, \${this.options.imgSize}, \${this.options.imgSize}, \${this.options.inChans}], got [\${x.shape}]\`);
    }
    const [gh, gw] = this.grid;
    return tf.tidy(() => {
      const patches = tf.reshape(tf.transpose(tf.reshape(x, [b * gh, p, gw, p * c]), [0, 2, 1, 3]), [b, gh * gw, p * p * c]);
      // Linear reports its MACs itself; a matmul or conv written by hand must call reportMacs('matmul', m * k * n)
      // (from @vitkit/core) so that \`vitkit info\` counts it.
      return this.proj.forward(patches) as tf.Tensor3D;
    });
  }
}
`;

  const classifierTs = `import { BuildContext, Classifier, ImageModelConfig, LayerNorm, s, tf, Tokenizer } from '@vitkit/core';
import type { SchemaType } from '@vitkit/core';

/** Options schema: validated before \`create\`; errors name the spec path. The options type is derived from it. */
export const ${n.snake}ClassifierOptions = s.object({
  imgSize: s.default(s.int({ min: 1 }), 32),
  inChans: s.default(s.int({ min: 1 }), 3),
  numClasses: s.default(s.int({ min: 0 }), 10),
  embedDim: s.default(s.int({ min: 1 }), 64),
  /** Any registered tokenizer; its type is checked against the registry where it is written. */
  tokenizer: s.default(s.component('tokenizer'), { type: '${n.kebab}' }),
  /** Any registered head (kind \`head\`); it inherits the feature width and numClasses. */
  head: s.default(s.component('head'), 'linear'),
});

export type ${classifierClass}Options = SchemaType<typeof ${n.snake}ClassifierOptions>;

/**
 * Example model assembled from parts: any registered tokenizer, LayerNorm, mean over the tokens (the features),
 * and a registered head mounted as \`head\` by core's \`Classifier\`. Sub-components are built from their spec with
 * \`ctx.build\`, which passes the inherited image size and width.
 */
export class ${classifierClass} extends Classifier {
  readonly config: ImageModelConfig;
  readonly tokenizer: Tokenizer;
  readonly norm: LayerNorm;

  constructor(options: ${classifierClass}Options, ctx: BuildContext) {
    super();
    const o = options;
    this.config = { inputSize: [o.imgSize, o.imgSize], inChans: o.inChans, numClasses: o.numClasses };
    this.tokenizer = this.addModule(
      'tokenizer',
      ctx.build('tokenizer', o.tokenizer, \`\${ctx.path}.tokenizer\`, { imgSize: o.imgSize, inChans: o.inChans, embedDim: o.embedDim }),
    );
    this.norm = this.addModule('norm', new LayerNorm(o.embedDim, 1e-6));
    this.mountHead(ctx, o.head, [o.embedDim]);
  }

  /** Normalised token features \`[B, numTokens, embedDim]\`. */
  forwardFeatures(x: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => this.norm.forward(this.tokenizer.forward(x)) as tf.Tensor3D);
  }

  /** What the head reads: the mean token. */
  forwardPreLogits(x: tf.Tensor4D): tf.Tensor2D[] {
    return tf.tidy(() => [tf.mean(this.forwardFeatures(x), 1) as tf.Tensor2D]);
  }
}
`;

  const indexTs = `import { RegistryLike, VitkitPlugin } from '@vitkit/core';
import { ${tokenizerClass}, ${n.snake}TokenizerOptions } from './tokenizer';
import { ${classifierClass}, ${n.snake}ClassifierOptions } from './classifier';

export { ${tokenizerClass}, ${n.snake}TokenizerOptions } from './tokenizer';
export type { ${tokenizerClass}Options } from './tokenizer';
export { ${classifierClass}, ${n.snake}ClassifierOptions } from './classifier';
export type { ${classifierClass}Options } from './classifier';

const OWNER = '${pkgName}';

/** Registers this package's components. No import side effects: nothing happens until a registry calls this. */
export function register(registry: RegistryLike): void {
  registry.register({
    kind: 'tokenizer',
    name: '${n.kebab}',
    owner: OWNER,
    description: 'Example tokenizer: non-overlapping patches projected by a Linear layer',
    options: ${n.snake}TokenizerOptions,
    // Every component declares a tiny option set that the registry contract tests build and check.
    example: { imgSize: 16, embedDim: 8, patchSize: 4 },
    create: (o, ctx) => new ${tokenizerClass}(o, ctx.path),
  });
  registry.register({
    kind: 'backbone',
    name: '${n.kebab}-classifier',
    owner: OWNER,
    description: 'Example classifier: tokenizer, LayerNorm, mean pooling, linear head',
    options: ${n.snake}ClassifierOptions,
    create: (o, ctx) => new ${classifierClass}(o, ctx),
    // A backbone's example is also run and round-tripped through safetensors by the contract tests.
    example: { imgSize: 16, numClasses: 3, embedDim: 8, tokenizer: { type: '${n.kebab}', patchSize: 4 } },
  });
  registry.registerPreset({
    name: '${n.snake}_tiny',
    owner: OWNER,
    description: 'Example preset: 32 px, 64-d tokens from 4×4 patches, 10 classes',
    spec: { type: '${n.kebab}-classifier', imgSize: 32, numClasses: 10, embedDim: 64 },
  });
}

/** What \`"plugins": ["${pkgName}"]\` in a spec loads. */
export const plugin: VitkitPlugin = { name: OWNER, register };
`;

  const testTs = `import { buildModel, createRegistry, Registry, selectBackend, SpecError, tf, Tokenizer } from '@vitkit/core';
import { describeRegistryContract } from '@vitkit/core/testing';
import { plugin } from './index';

function makeRegistry(): Registry {
  return createRegistry({ plugins: [plugin] });
}

describe('${pkgName}', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('registers its tokenizer, backbone and preset', () => {
    const registry = makeRegistry();
    expect(registry.components('tokenizer').map((d) => d.name)).toContain('${n.kebab}');
    expect(registry.components('backbone').map((d) => d.name)).toContain('${n.kebab}-classifier');
    expect(registry.listModels('${n.snake}_*')).toEqual(['${n.snake}_tiny']);
  });

  it('the tokenizer maps [B, H, W, C] to [B, numTokens, embedDim]', () => {
    const registry = makeRegistry();
    const tok = registry.build<Tokenizer>('tokenizer', { type: '${n.kebab}', imgSize: 16, inChans: 3, embedDim: 8, patchSize: 4 }, 'tokenizer');
    const y = tf.tidy(() => tok.forward(tf.zeros([2, 16, 16, 3]) as tf.Tensor4D));
    expect(y.shape).toEqual([2, 16, 8]);
    expect(tok.numTokens).toBe(16);
    y.dispose();
    tok.dispose();
  });

  it('reports a wrong option with its spec path', () => {
    const registry = makeRegistry();
    expect(() => buildModel(registry, { type: '${n.kebab}-classifier', imgSize: 18, tokenizer: { type: '${n.kebab}', patchSize: 4 } })).toThrow(SpecError);
    expect(() => buildModel(registry, { type: '${n.kebab}-classifier', imgSize: 18, tokenizer: { type: '${n.kebab}', patchSize: 4 } })).toThrow(/model\\.tokenizer\\.patchSize/);
  });
});

// timm-style contract: every component's example builds and meets its kind's contract; every backbone's example
// also runs with the declared output shape, has unique parameter names and round-trips its weights through
// safetensors; every preset builds.
describe('registry contract', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));
  describeRegistryContract(makeRegistry, { presets: '${n.snake}_*' });
});
`;

  const readme = `# ${pkgName}

A [vitkit](https://www.npmjs.com/package/@vitkit/core) plugin. It registers:

| kind | name | what |
| --- | --- | --- |
| tokenizer | \`${n.kebab}\` | example: non-overlapping patches projected by a Linear layer |
| backbone | \`${n.kebab}-classifier\` | example: tokenizer, LayerNorm, mean pooling, linear head |
| preset | \`${n.snake}_tiny\` | 32 px, 64-d, 10 classes |

## Use it from a spec

\`\`\`sh
npm install ${pkgName}
npx --no-install vitkit list --plugins ${pkgName}   # with @vitkit/cli installed: the plugin's components and presets
\`\`\`

\`\`\`json
{
  "plugins": ["${pkgName}"],
  "model": { "type": "${n.kebab}-classifier", "imgSize": 32, "numClasses": 10 }
}
\`\`\`

The tokenizer also plugs into the first-party backbones, e.g.
\`{ "plugins": ["${pkgName}"], "model": { "preset": "vit_s_bench_32", "tokenizer": { "type": "${n.kebab}", "patchSize": 4 } } }\`.

From code:

\`\`\`ts
import 'reflect-metadata';
import { buildModel, createRegistry } from '@vitkit/core';
import { plugin } from '${pkgName}';

const model = buildModel(createRegistry({ plugins: [plugin] }), '${n.snake}_tiny');
\`\`\`

## Develop

\`\`\`sh
npm install
npm test        # unit tests + describeRegistryContract from @vitkit/core/testing
npm run build   # tsc → dist/
\`\`\`

The plugin contract (what \`register\` may do, naming, options schemas, peers) is described in vitkit's
\`docs/plugins.md\`. Keep \`@vitkit/core\`, \`@tensorflow/tfjs\`, \`tsyringe\` and \`reflect-metadata\` as
**peer** dependencies: the user's project must hold exactly one copy of each.
`;

  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    'tsconfig.build.json': `${JSON.stringify(tsconfigBuild, null, 2)}\n`,
    'jest.config.js': jestConfig,
    '.gitignore': 'node_modules/\ndist/\n*.tsbuildinfo\n',
    'README.md': readme,
    'src/index.ts': indexTs,
    'src/tokenizer.ts': tokenizerTs,
    'src/classifier.ts': classifierTs,
    'src/plugin.test.ts': testTs,
  };
}

/** Writes the scaffold; returns the folder and the files written. */
function scaffold(pkgName, options = {}) {
  if (!pkgName || !NAME_RE.test(pkgName) || pkgName.length > 214) {
    throw new Error(`"${pkgName ?? ''}" is not a valid npm package name (lowercase letters, digits, - . _ ~, optional @scope/)`);
  }
  const dir = path.resolve(options.dir ?? pkgName.replace(/^@[^/]+\//, ''));
  if (fs.existsSync(dir) && fs.readdirSync(dir).length && !options.force) {
    throw new Error(`${dir} exists and is not empty (use --force to write into it)`);
  }
  const out = files(pkgName);
  for (const [rel, text] of Object.entries(out)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return { dir, files: Object.keys(out) };
}

function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`create-plugin: ${e.message}\n`);
    process.exit(2);
  }
  if (args.help || !args.name) {
    process.stdout.write('usage: node tools/create-plugin/index.js <package-name> [--dir <path>] [--force]\n  e.g. vitkit-plugin-foo or @acme/vitkit-plugin-foo\n');
    process.exit(args.help ? 0 : 2);
  }
  try {
    const { dir, files: written } = scaffold(args.name, { dir: args.dir, force: args.force });
    process.stdout.write(`created ${args.name} in ${dir}\n${written.map((f) => `  ${f}`).join('\n')}\n\nnext:\n  cd ${path.relative(process.cwd(), dir) || '.'}\n  npm install\n  npm test\n`);
  } catch (e) {
    process.stderr.write(`create-plugin: ${e.message}\n`);
    process.exit(1);
  }
}

module.exports = { scaffold, names, files };

if (require.main === module) main();
