import { Conv2d, init, Layer, Module, s, Sequential, tf } from '@vitkit/core';
import type { BuildContext, ComponentDefinition, SchemaType, SegHead } from '@vitkit/core';
import { ConvGnRelu } from './conv';
import { levelName, resizeBilinear, Upsample2x } from './upsample';

export const semanticFpnHeadOptions = s.object({
  /** Channels of the neck's maps, finest first (inherited). */
  inChannels: s.array(s.int({ min: 1 }), { minLength: 1 }),
  /** Their strides (inherited). */
  strides: s.array(s.int({ min: 1 }), { minLength: 1 }),
  numClasses: s.int({ min: 1 }),
  /** Width of the semantic branch (Kirillov et al.: 128). */
  convDims: s.default(s.int({ min: 1 }), 128),
  /** Stride the levels are merged at (1/4). */
  commonStride: s.default(s.int({ min: 1 }), 4),
  /** GroupNorm groups of the branch's convs (32). */
  groups: s.default(s.int({ min: 1 }), 32),
});

export type SemanticFpnHeadOptions = SchemaType<typeof semanticFpnHeadOptions>;

/**
 * The panoptic-FPN semantic branch (Kirillov et al. 2019; Detectron2 `SemSegFPNHead`): each level goes through
 * max(1, log2(stride / commonStride)) stages of conv3×3 + GroupNorm + ReLU, each followed by a 2× bilinear upsample
 * while above `commonStride` (`pN.0`, `pN.2`, …), the levels are summed at 1/4 scale, a 1×1 conv (`predictor`) gives
 * the class logits, upsampled bilinearly to the input size.
 */
export class SemanticFpnHead extends Module implements SegHead {
  readonly scaleHeads: Sequential[] = [];
  readonly predictor: Conv2d;

  constructor(readonly options: SemanticFpnHeadOptions, path = 'head') {
    super();
    const { inChannels, strides, convDims, commonStride, groups } = options;
    if (strides.length !== inChannels.length) throw new Error(`${path}: ${inChannels.length} input levels but ${strides.length} strides`);
    if (convDims % groups !== 0) throw new Error(`${path}.groups: ${convDims} channels cannot be split into ${groups} groups`);
    const common = levelName(commonStride, `${path}.commonStride`);
    strides.forEach((stride, i) => {
      const l = levelName(stride, path);
      if (l < common) throw new Error(`${path}: level of stride ${stride} is finer than commonStride ${commonStride}`);
      const ops: Layer[] = [];
      for (let k = 0; k < Math.max(1, l - common); k++) {
        ops.push(new ConvGnRelu(k === 0 ? inChannels[i] : convDims, convDims, groups));
        if (stride !== commonStride) ops.push(new Upsample2x());
      }
      this.scaleHeads.push(this.addModule(`p${l}`, new Sequential(ops)));
    });
    this.predictor = this.addModule('predictor', new Conv2d(convDims, options.numClasses, 1, { weightInit: init.kaimingNormalFanOut(options.numClasses), biasInit: init.zeros }));
  }

  forward(features: tf.Tensor4D[], outputSize: readonly [number, number]): tf.Tensor4D {
    if (features.length !== this.scaleHeads.length) throw new Error(`SemanticFpnHead: expected ${this.scaleHeads.length} feature maps, got ${features.length}`);
    return tf.tidy(() => {
      const first = this.scaleHeads[0].forward(features[0]) as tf.Tensor4D;
      const size: [number, number] = [first.shape[1], first.shape[2]];
      // With input sides that are multiples of the largest stride every level lands exactly on `size`; otherwise
      // (odd sizes) a coarse level is a pixel off and is resized onto the finest one.
      const merged = features.slice(1).reduce((acc, f, i) => tf.add(acc, resizeBilinear(this.scaleHeads[i + 1].forward(f) as tf.Tensor4D, size)), first);
      return resizeBilinear(this.predictor.forward(merged) as tf.Tensor4D, outputSize);
    });
  }
}

export const semanticFpnHead: ComponentDefinition<SemanticFpnHeadOptions, SemanticFpnHead> = {
  kind: 'seg-head',
  name: 'semantic-fpn',
  owner: '@vitkit/backbones',
  description: 'Panoptic-FPN semantic branch: per level conv3×3+GN+ReLU+2× upsample to 1/4, summed, 1×1 conv to classes, upsample to the input',
  options: semanticFpnHeadOptions,
  example: { inChannels: [8, 8, 8], strides: [4, 8, 16], numClasses: 3, convDims: 8, groups: 2 },
  create: (o: SemanticFpnHeadOptions, ctx: BuildContext) => new SemanticFpnHead(o, ctx.path),
};
