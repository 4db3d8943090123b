import { buildModel, createRegistry, s, selectBackend, tf, Tokenizer } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { PatchEmbed, plugin as tokenizers } from '@vitkit/tokenizers';
import { exportOnnx } from './export';
import { OnnxEmitters, OnnxExportError, OnnxPlugin } from './registry';
import { maxDiffAtBatches } from './testing/ort';

/** A third-party tokenizer: a patch embedding whose tokens are doubled. */
class DoubledPatch extends Tokenizer {
  readonly inner: PatchEmbed;
  readonly embedDim: number;
  readonly numTokens: number;
  constructor(o: { imgSize: number; embedDim: number; inChans: number }) {
    super();
    this.inner = this.addModule('inner', new PatchEmbed({ imgSize: [o.imgSize, o.imgSize], patchSize: 4, inChans: o.inChans, embedDim: o.embedDim }));
    this.embedDim = o.embedDim;
    this.numTokens = this.inner.numTokens;
  }
  forward(x: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => tf.mul(this.inner.forward(x), 2));
  }
}

const thirdParty = {
  name: 'vitkit-plugin-doubled',
  register: (r: { register: (d: never) => void }) =>
    r.register({
      kind: 'tokenizer', name: 'doubled-patch', owner: 'vitkit-plugin-doubled', description: 'doubled patch tokens',
      options: s.object({ imgSize: s.int({ min: 1 }), embedDim: s.int({ min: 1 }), inChans: s.default(s.int({ min: 1 }), 3) }),
      example: { imgSize: 8, embedDim: 4 },
      create: (o: { imgSize: number; embedDim: number; inChans: number }) => new DoubledPatch(o),
    } as never),
};

const doubledOnnx: OnnxPlugin = {
  name: 'vitkit-plugin-doubled',
  register: (e) => e.register(DoubledPatch, (m, [x], ctx) => [ctx.op1('Mul', [ctx.emit1(m.inner, x), ctx.scalar(2)])], 'vitkit-plugin-doubled'),
};

const spec = { type: 'vit', imgSize: 8, embedDim: 8, depth: 1, numHeads: 2, mlpRatio: 2, numClasses: 3, tokenizer: 'doubled-patch' };

describe('export registry', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
  });

  it("a third-party component without an emitter stops the export with its module path and class", () => {
    const model = buildModel(createRegistry({ plugins: [tokenizers, backbones, thirdParty as never] }), spec);
    try {
      expect(() => exportOnnx(model)).toThrow(OnnxExportError);
      expect(() => exportOnnx(model)).toThrow(/module "patch_embed" is a DoubledPatch, which has no ONNX emitter/);
    } finally {
      model.dispose();
    }
  });

  it('the same component exports once its package provides the emitter (logits match at batch 1 and 2)', async () => {
    const model = buildModel(createRegistry({ plugins: [tokenizers, backbones, thirdParty as never] }), spec);
    try {
      for (const d of await maxDiffAtBatches(model, [1, 2], { plugins: [doubledOnnx] })) expect(d).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
    }
  });

  it('a subclass does not inherit its parent emitter, and a class registers once', () => {
    class Sub extends PatchEmbed {}
    const e = new OnnxEmitters().register(PatchEmbed, (_m, xs) => xs, 'a');
    expect(e.get(new Sub({ imgSize: [8, 8], patchSize: 4, inChans: 3, embedDim: 4 }))).toBeUndefined();
    expect(() => e.register(PatchEmbed, (_m, xs) => xs, 'b')).toThrow(/already registered by a \(registering again from b\)/);
  });
});
