import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A third-party plugin as a user would write it: plain JS, requiring core by package name. */
export const FLAT_PLUGIN_SOURCE = `
const { ImageClassifier, Linear, s, tf } = require('@vitkit/core');
class Flat extends ImageClassifier {
  constructor(o) {
    super();
    this.config = { inputSize: [o.imgSize, o.imgSize], inChans: 1, numClasses: o.numClasses };
    this.head = this.addModule('head', new Linear(o.imgSize * o.imgSize, o.numClasses));
  }
  forward(x) { return tf.tidy(() => this.head.forward(tf.reshape(x, [x.shape[0], -1]))); }
}
exports.plugin = {
  name: 'local-flat',
  register(r) {
    r.register({ kind: 'backbone', name: 'flat', owner: 'local-flat', description: 'flatten + linear',
      options: s.object({ imgSize: s.int({ min: 1 }), numClasses: s.default(s.int({ min: 1 }), 3) }),
      create: (o) => new Flat(o), example: { imgSize: 4 } });
    r.register({ kind: 'backbone', name: 'broken', owner: 'local-flat', description: 'a bug: create throws',
      options: s.object({}), create: () => { throw new Error('broken backbone: a bug in the plugin'); }, example: {} });
    r.registerPreset({ name: 'flat_4', owner: 'local-flat', description: 'tiny', spec: { type: 'flat', imgSize: 4 } });
  },
};
`;

/** A module that is found but is not a plugin. */
export const NOT_A_PLUGIN_SOURCE = 'exports.hello = 1;\n';

/** A tiny ViT training spec on synthetic 8×8 images (first-party components only); trains in a few seconds. */
export function tinyTrainSpec(outDir: string, overrides: { model?: unknown; plugins?: string[] } = {}) {
  return {
    plugins: overrides.plugins ?? [],
    seed: 1,
    backend: 'wasm',
    model: overrides.model ?? { type: 'vit', imgSize: 8, inChans: 1, numClasses: 3, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 4 } },
    data: {
      train: { type: 'synthetic', numSamples: 96, numClasses: 3, imageSize: 8, channels: 1, noise: 0.05 },
      test: { type: 'synthetic', split: 'test', numSamples: 30, numClasses: 3, imageSize: 8, channels: 1, noise: 0.05 },
      batchSize: 16,
    },
    train: { epochs: 3, optimizer: { type: 'adamw', lr: 5e-3 }, schedule: { type: 'cosine', warmupSteps: 2 }, outDir },
  };
}

/** A temp folder with the local plugins written into it. */
export async function fixtureDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-cli-'));
  await fs.writeFile(path.join(dir, 'flat-plugin.js'), FLAT_PLUGIN_SOURCE);
  await fs.writeFile(path.join(dir, 'not-a-plugin.js'), NOT_A_PLUGIN_SOURCE);
  return dir;
}

export async function writeJson(file: string, value: unknown): Promise<string> {
  await fs.writeFile(file, JSON.stringify(value));
  return file;
}
