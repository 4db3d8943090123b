import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from '../tf';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { saveSafetensors } from '../io/state-dict';
import { useBackend } from '../testing/backends';
import { buildModel } from '../spec/model-spec';
import { openSpec } from './session';
import { main } from './main';

/** A third-party plugin as a user would write it: plain JS, requiring core by package name. */
const PLUGIN_SOURCE = `
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
    r.registerPreset({ name: 'flat_4', owner: 'local-flat', description: 'tiny', spec: { type: 'flat', imgSize: 4 } });
  },
};
`;

function capture(): { out: () => string; err: () => string; restore: () => void } {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  return { out: () => out, err: () => err, restore: () => (o.mockRestore(), e.mockRestore()) };
}

describe('vitkit CLI', () => {
  let dir: string;
  let specFile: string;

  beforeAll(async () => {
    await useBackend('cpu');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-cli-'));
    await fs.writeFile(path.join(dir, 'flat-plugin.js'), PLUGIN_SOURCE);
    specFile = path.join(dir, 'spec.json');
    await fs.writeFile(specFile, JSON.stringify({ plugins: ['./flat-plugin.js'], model: { preset: 'flat_4', numClasses: 5 } }));
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('prints usage with --help (exit 0) and rejects unknown commands (exit 2)', async () => {
    const c = capture();
    try {
      expect(await main(['--help'])).toBe(0);
      expect(c.out()).toContain('usage: vitkit <command>');
      expect(await main(['frobnicate'])).toBe(2);
      expect(c.err()).toContain('unknown command "frobnicate"');
      expect(await main(['forward', '--bogus'])).toBe(2);
    } finally {
      c.restore();
    }
  });

  it('lists components and presets as JSON, including a spec-less core registry', async () => {
    const c = capture();
    try {
      expect(await main(['list', '--json'])).toBe(0);
      const listed = JSON.parse(c.out());
      expect(listed.components.head.map((h: { name: string }) => h.name)).toContain('linear');
      expect(listed.plugins).toContain('@vitkit/core');
      // Presets with published weights show them (installed first-party plugins, when built).
      const t2t = (listed.presets as Array<{ name: string; pretrained?: { file: string } }>).find((p) => p.name === 't2t_vit_14');
      if (t2t) expect(t2t.pretrained?.file).toBe('81.5_T2T_ViT_14.pth.tar');
    } finally {
      c.restore();
    }
  });

  it('reports an unknown preset as invalid input (exit 3) naming the path', async () => {
    const c = capture();
    try {
      expect(await main(['info', 'no_such_model', '--backend', 'cpu'])).toBe(3);
      expect(c.err()).toContain('model.preset: "no_such_model" is not a registered preset');
    } finally {
      c.restore();
    }
  });

  it('loads a local plugin named in the spec and reports params and MACs', async () => {
    const c = capture();
    try {
      expect(await main(['info', specFile, '--json', '--backend', 'cpu'])).toBe(0);
      const info = JSON.parse(c.out());
      expect(info.params_total).toBe(16 * 5 + 5);
      expect(info.macs).toBe(16 * 5);
    } finally {
      c.restore();
    }
  });

  it('names the install command for a missing plugin (exit 3)', async () => {
    const missing = path.join(dir, 'missing.json');
    await fs.writeFile(missing, JSON.stringify({ plugins: ['vitkit-plugin-does-not-exist'], model: 'flat_4' }));
    const c = capture();
    try {
      expect(await main(['info', missing, '--backend', 'cpu'])).toBe(3);
      expect(c.err()).toContain('npm install vitkit-plugin-does-not-exist');
    } finally {
      c.restore();
    }
  });

  it('forward reads __input__ (NCHW), loads weights strictly and writes __logits__', async () => {
    const { loaded, registry } = await openSpec(specFile);
    const model = buildModel(registry, loaded.spec.model);
    const weights = path.join(dir, 'w.safetensors');
    await saveSafetensors(model, weights);
    const x = tf.randomUniform([2, 1, 4, 4], 0, 1, 'float32', 3);
    const input = path.join(dir, 'x.safetensors');
    await writeSafetensors(input, [['__input__', { shape: x.shape, data: x.dataSync() as Float32Array }]]);
    const expected = tf.tidy(() => model.eval().forward(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D).dataSync());
    const output = path.join(dir, 'y.safetensors');
    const c = capture();
    try {
      expect(await main(['forward', '--spec', specFile, '--weights', weights, '--input', input, '--output', output, '--backend', 'cpu'])).toBe(0);
    } finally {
      c.restore();
    }
    const logits = (await readSafetensors(output)).tensors.get('__logits__')!;
    expect(logits.shape).toEqual([2, 5]);
    logits.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));

    // A weights file for another class count is refused, naming the key and both shapes.
    const wrong = path.join(dir, 'wrong.safetensors');
    await writeSafetensors(wrong, [['head.weight', { shape: [3, 16], data: new Float32Array(48) }], ['head.bias', { shape: [3], data: new Float32Array(3) }]]);
    const c2 = capture();
    try {
      expect(await main(['forward', '--spec', specFile, '--weights', wrong, '--input', input, '--backend', 'cpu'])).toBe(3);
      expect(c2.err()).toContain('head.weight: checkpoint [3,16] vs model [5,16]');
    } finally {
      c2.restore();
    }
    x.dispose();
    model.dispose();
  });
});
