import { buildSegmenter, countSegmentationMacs, createRegistry, formatSegmentationInfo, manualSeed, Module, neckMacs, s, segmentationInfo, selectBackend, SpecError, tf } from '@vitkit/core';
import type { Neck } from '@vitkit/core';
import { resnetFeatureChannels } from '../resnet';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin } from '../plugin';
import { Segmenter } from './segmenter';

const registry = () => createRegistry({ plugins: [tokenizers, plugin] });

const tiny = (neck: Record<string, unknown>) => ({
  type: 'segmentation',
  backbone: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16] },
  neck,
  head: { type: 'semantic-fpn', convDims: 8, groups: 2 },
  numClasses: 3,
  imgSize: [32, 64],
});
const TINY_VT = { type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 };

describe('segmentation model', () => {
  beforeAll(() => selectBackend('cpu', { quiet: true }));

  it('assembles backbone → neck → head from a spec; per-pixel logits at the input size; names under backbone./neck./head.', () => {
    manualSeed(1);
    const model = buildSegmenter(registry(), tiny({ type: 'fpn', outChannels: 8 })) as Segmenter;
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('backbone.layer4.0.conv1.weight');
    expect(names).toContain('neck.fpn_output5.weight');
    expect(names).toContain('head.predictor.weight');
    expect(names.some((n) => n.startsWith('backbone.fc'))).toBe(false);
    const before = tf.memory().numTensors;
    const x = tf.zeros([2, 64, 96, 3]) as tf.Tensor4D;
    const y = model.eval().forward(x);
    expect(y.shape).toEqual([2, 64, 96, 3]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a third-party plugin\'s neck is built by the segmentation model like a first-party one', () => {
    class IdentityNeck extends Module {
      constructor(readonly outChannels: number[]) {
        super();
      }
      forward(maps: tf.Tensor[]): tf.Tensor[] {
        return maps.map((m) => m.clone());
      }
    }
    const r = registry();
    r.register({
      kind: 'neck', name: 'identity', owner: 'vitkit-plugin-identity', description: 'passes the maps through',
      options: s.object({ inChannels: s.array(s.int({ min: 1 })), strides: s.optional(s.array(s.int({ min: 1 }))) }),
      create: (o: { inChannels: number[] }) => new IdentityNeck(o.inChannels),
    });
    const model = buildSegmenter(r, tiny({ type: 'identity' }));
    expect(model.neck).toBeInstanceOf(IdentityNeck);
    const y = tf.tidy(() => model.eval().forward(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D).shape);
    expect(y).toEqual([1, 32, 32, 3]);
    model.dispose();
  });

  it('VT-ResNet is a pyramid backbone too (C2, C3 and its VT-refined stride-16 map)', () => {
    manualSeed(6);
    const spec = {
      ...tiny({ type: 'fpn', outChannels: 8 }),
      backbone: { type: 'vt-resnet', block: 'basic', layers: [1, 1, 1], widths: [4, 8, 16], vtModules: 2, tokenChannels: 16, numTokens: 4, projectLast: true },
    };
    const model = buildSegmenter(registry(), spec);
    expect(model.neck.namedParameters().map(([n]) => n).filter((n) => n.endsWith('weight'))).toEqual([
      'fpn_lateral2.weight', 'fpn_lateral3.weight', 'fpn_lateral4.weight', 'fpn_output2.weight', 'fpn_output3.weight', 'fpn_output4.weight',
    ]);
    const y = tf.tidy(() => model.eval().forward(tf.zeros([1, 32, 64, 3]) as tf.Tensor4D).shape);
    expect(y).toEqual([1, 32, 64, 3]);
    model.dispose();
  });

  it('a backbone without feature maps is refused with the spec path', () => {
    const spec = { ...tiny({ type: 'fpn' }), backbone: { type: 'vit', embedDim: 16, depth: 1, numHeads: 2, tokenizer: { type: 'patch', patchSize: 4 } } };
    let err: unknown;
    try {
      buildSegmenter(registry(), spec).dispose();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect(String(err)).toMatch(/model\.backbone: does not expose feature maps for a segmentation neck; missing: featureChannels/);
  });

  it('with VT-FPN it gives the tokenizers\' spatial attention per level', () => {
    manualSeed(2);
    const model = buildSegmenter(registry(), tiny(TINY_VT)) as Segmenter;
    const x = tf.randomUniform([1, 32, 64, 3]) as tf.Tensor4D;
    const maps = model.attentionMaps(x)!;
    expect(maps.map((m) => m.shape)).toEqual([[1, 8, 16, 2], [1, 4, 8, 2], [1, 2, 4, 2], [1, 1, 2, 2]]);
    tf.dispose([...maps, x]);
    model.dispose();
  });

  it('MACs extrapolated from small sizes equal the count of a real forward (per part)', () => {
    manualSeed(3);
    const r = registry();
    for (const neck of [{ type: 'fpn', outChannels: 8 }, TINY_VT]) {
      const info = segmentationInfo(r, tiny(neck), { input: [3, 96, 128] });
      expect(info.method).toBe('extrapolated');
      const model = buildSegmenter(r, tiny(neck));
      model.eval();
      expect(info.macs).toEqual(countSegmentationMacs(model, 96, 128));
      expect(info.macs.total).toBe(info.macs.backbone + info.macs.neck + info.macs.head);
      const g = (v: number) => `${(v / 1e9).toFixed(2)} G`;
      expect(formatSegmentationInfo(info, 'tiny')).toContain(`MACs:       ${g(info.macs.total)} at 3x96x128 = backbone ${g(info.macs.backbone)} + neck ${g(info.macs.neck)} + head ${g(info.macs.head)}`);
      model.dispose();
    }
  });
});

describe('VT paper Table 9 presets at 800×1216', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  // Lateral 1×1 (C_i → 256) and 3×3 output (256 → 256) convs on the levels of an 800×1216 image: the paper's 55.1 G.
  const levels = [[200 * 304, 256], [100 * 152, 512], [50 * 76, 1024], [25 * 38, 2048]];
  const FPN_MACS = levels.reduce((s, [px, c]) => s + px * c * 256 + px * 256 * 256 * 9, 0);

  /** The preset's neck alone, built as the segmenter builds it (the backbone's C2–C5 widths and strides). */
  function presetNeckMacs(name: string): number {
    const r = registry();
    const spec = r.preset(name)!.spec as unknown as { backbone: { block: 'basic' | 'bottleneck'; widths?: number[] }; neck: { type: string } };
    const channels = resnetFeatureChannels(spec.backbone.block, spec.backbone.widths ?? [64, 128, 256, 512]);
    const strides = [4, 8, 16, 32];
    const neck = r.build<Neck>('neck', spec.neck, `${name}.neck`, { inChannels: channels, strides });
    try {
      return neckMacs(neck, channels, strides, 800, 1216);
    } finally {
      neck.dispose();
    }
  }

  it.each([
    ['resnet50', 'fpn_resnet50', 'vt_fpn_resnet50'],
    ['resnet101', 'fpn_resnet101', 'vt_fpn_resnet101'],
  ])('%s: the FPN neck counts the paper\'s 55.1 G; VT-FPN\'s neck is at least 5× cheaper', (_, fpn, vtFpn) => {
    const a = presetNeckMacs(fpn);
    const b = presetNeckMacs(vtFpn);
    expect(a).toBe(FPN_MACS);
    expect(FPN_MACS / 1e9).toBeCloseTo(55.1, 1);
    expect(a / b).toBeGreaterThanOrEqual(5);
  });
});
