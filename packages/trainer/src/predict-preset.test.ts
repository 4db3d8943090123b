import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { buildModel, createRegistry, IMAGENET_CLASSES, saveSafetensors, selectBackend, tf } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as backbones } from '@vitkit/backbones';
import type { EvalTransform, PretrainedConfig, Registry } from '@vitkit/core';
import { evalTransformImage, predictWithPreset } from './predict-preset';

const EVAL: EvalTransform = { resize: 20, crop: 16, cropPct: 0.8, interpolation: 'bicubic', mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
const CFG: PretrainedConfig = {
  url: 'https://example.org/tiny.pth',
  file: 'tiny.pth',
  top1: 70,
  top1Source: 'test',
  inputSize: [3, 16, 16],
  numClasses: 1000,
  classNames: 'imagenet-1k',
  eval: EVAL,
};

/** A registry with a tiny ViT preset that carries published-weights metadata, as the real presets do. */
function testRegistry(): Registry {
  const r = createRegistry({ plugins: [tokenizers, fusion, backbones] });
  r.registerPreset({
    name: 'tiny_vit_pretrained',
    owner: 'test',
    description: 'tiny ViT with ImageNet-1k head',
    spec: { type: 'vit', imgSize: 16, numClasses: 1000, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 'patch', patchSize: 4 } },
    pretrained: CFG,
  });
  return r;
}

async function gradientImage(file: string, size: number): Promise<void> {
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    raw[i * 3] = (i * 7) % 256;
    raw[i * 3 + 1] = (i * 13) % 256;
    raw[i * 3 + 2] = Math.floor(i / size) * 5;
  }
  await sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
}

describe('predict with a preset\'s published weights (`vitkit predict --preset ... --weights ... img`)', () => {
  let dir: string;
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-predict-'));
    await gradientImage(path.join(dir, 'img.png'), 40);
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('applies the eval transform: shorter side to resize (bicubic), center crop, normalise', async () => {
    const got = await evalTransformImage(path.join(dir, 'img.png'), EVAL);
    const { data } = await sharp(path.join(dir, 'img.png')).resize(20, 20, { kernel: 'cubic' }).extract({ left: 2, top: 2, width: 16, height: 16 }).raw().toBuffer({ resolveWithObject: true });
    expect(got.length).toBe(16 * 16 * 3);
    const want = Float32Array.from(data, (v, i) => (v / 255 - EVAL.mean[i % 3]) / EVAL.std[i % 3]);
    // Same pixels; the normalisation rounds through float32 in another order.
    expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-6);
  });

  it('returns the top classes by ImageNet name, equal to the model on the transformed image', async () => {
    const registry = testRegistry();
    const model = buildModel(registry, 'tiny_vit_pretrained');
    const weights = path.join(dir, 'tiny.safetensors');
    await saveSafetensors(model, weights);
    const r = await predictWithPreset({ preset: 'tiny_vit_pretrained', weights, images: [path.join(dir, 'img.png')], registry });
    expect(r.transform).toEqual(EVAL);
    const x = await evalTransformImage(path.join(dir, 'img.png'), EVAL);
    model.eval();
    const p = tf.tidy(() => tf.softmax(model.forward(tf.tensor4d(x, [1, 16, 16, 3]))).dataSync() as Float32Array);
    model.dispose();
    const order = [...p.keys()].sort((a, b) => p[b] - p[a]).slice(0, 5);
    expect(r.predictions).toHaveLength(1);
    expect(r.predictions[0].top.map((t) => t.class)).toEqual(order);
    expect(r.predictions[0].top.map((t) => t.label)).toEqual(order.map((k) => IMAGENET_CLASSES[k]));
    r.predictions[0].top.forEach((t) => expect(t.probability).toBeCloseTo(p[t.class], 6));
  });

  it('a preset without published weights is refused, naming those that have them', async () => {
    await expect(predictWithPreset({ preset: 'vit_s_bench_32', weights: 'x.pth', images: ['a.png'], registry: testRegistry() })).rejects.toThrow(
      /preset "vit_s_bench_32" has no published-weights metadata .*presets that do: .*t2t_vit_14/,
    );
  });
});
