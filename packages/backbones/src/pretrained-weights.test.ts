import { createRegistry, IMAGENET_CLASSES, resolveModelSpec } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as backbones } from './index';
import { PRETRAINED_WEIGHTS } from './pretrained-weights';

describe('preset pretrained metadata (timm pretrained_cfg)', () => {
  const registry = createRegistry({ plugins: [tokenizers, fusion, backbones] });

  it('the T2T-ViT, CrossViT and ResNet presets carry theirs', () => {
    for (const name of ['t2t_vit_7', 't2t_vit_14', 't2t_vit_t_24', 'crossvit_9_dagger_240', 'crossvit_base_240', 'resnet50']) {
      expect([name, registry.preset(name)?.pretrained]).toEqual([name, PRETRAINED_WEIGHTS[name]]);
    }
    // Found through the official alias too.
    expect(registry.preset('crossvit_tiny_224')?.pretrained?.file).toBe('crossvit_tiny_224.pth');
  });

  it.each(Object.entries(PRETRAINED_WEIGHTS))('%s: URL, file, input size and transform agree with the preset', (name, cfg) => {
    const spec = resolveModelSpec(registry, name);
    expect(cfg.url.endsWith(`/${cfg.file}`)).toBe(true);
    expect(cfg.url).toMatch(/^https:\/\/(github\.com\/(yitu-opensource\/T2T-ViT|IBM\/CrossViT)\/releases\/download\/|download\.pytorch\.org\/models\/)/);
    expect(spec.numClasses ?? 1000).toBe(cfg.numClasses); // the resnet schema defaults to 1000
    expect(cfg.eval.crop).toBe(cfg.inputSize[1]);
    const imgSize = Array.isArray(spec.imgSize) ? spec.imgSize[0] : spec.imgSize ?? 224;
    expect(imgSize).toBe(cfg.inputSize[1]);
    expect(cfg.eval.resize).toBeGreaterThan(cfg.eval.crop);
    expect(cfg.top1).toBeGreaterThan(60);
    expect(cfg.top1).toBeLessThan(90);
  });

  it('the official eval transforms: T2T-ViT 248→224 bicubic (crop_pct .9), CrossViT 274→240 bicubic, torchvision 256→224 bilinear', () => {
    expect(PRETRAINED_WEIGHTS.t2t_vit_14.eval).toMatchObject({ resize: 248, crop: 224, cropPct: 0.9, interpolation: 'bicubic', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    expect(PRETRAINED_WEIGHTS.crossvit_15_240.eval).toMatchObject({ resize: 274, crop: 240, interpolation: 'bicubic' });
    expect(PRETRAINED_WEIGHTS.resnet18.eval).toMatchObject({ resize: 256, crop: 224, interpolation: 'bilinear' });
    expect(IMAGENET_CLASSES.length).toBe(1000);
    expect([IMAGENET_CLASSES[0], IMAGENET_CLASSES[281], IMAGENET_CLASSES[999]]).toEqual(['tench', 'tabby', 'toilet tissue']);
  });
});
