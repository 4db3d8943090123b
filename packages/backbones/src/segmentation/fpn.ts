import { Conv2d, Module, s, tf } from '@vitkit/core';
import type { BuildContext, ComponentDefinition, Neck, SchemaType } from '@vitkit/core';
import { xavierFillConv } from './conv';
import { levelName, resizeNearest } from './upsample';

export const fpnOptions = s.object({
  /** Channels of the backbone's feature maps, finest first (inherited from the backbone). */
  inChannels: s.array(s.int({ min: 1 }), { minLength: 1 }),
  /** Their strides (inherited); the parameter names carry log2(stride): `fpn_lateral2` for stride 4. */
  strides: s.default(s.array(s.int({ min: 1 }), { minLength: 1 }), [4, 8, 16, 32]),
  /** Width of every pyramid level (Detectron2 / the VT paper: 256). */
  outChannels: s.default(s.int({ min: 1 }), 256),
});

export type FpnOptions = SchemaType<typeof fpnOptions>;

/**
 * Feature pyramid network (Lin et al. 2017) as Detectron2 builds it for panoptic FPN (Kirillov et al. 2019), the VT
 * paper's baseline: per level a lateral 1×1 conv to `outChannels` (`fpn_lateralN`), a top-down pathway adding the
 * nearest-upsampled coarser level, then a 3×3 output conv (`fpn_outputN`). These convs are the "FPN FLOPs" of VT
 * paper Table 9 (55.1 G at 800×1216 on ResNet); the semantic branch that merges the levels is the seg head's.
 */
export class Fpn extends Module implements Neck {
  readonly outChannels: readonly number[];
  readonly laterals: Conv2d[] = [];
  readonly outputs: Conv2d[] = [];

  constructor(readonly options: FpnOptions, path = 'neck') {
    super();
    const { inChannels, strides, outChannels } = options;
    if (strides.length !== inChannels.length) throw new Error(`${path}: ${inChannels.length} input levels but ${strides.length} strides`);
    const names = strides.map((st) => levelName(st, path));
    // Detectron2 registers the coarsest level first; the order only affects the state-dict listing.
    inChannels.forEach((c, i) => this.laterals.push(this.addModule(`fpn_lateral${names[i]}`, xavierFillConv(c, outChannels, 1))));
    inChannels.forEach((_, i) => this.outputs.push(this.addModule(`fpn_output${names[i]}`, xavierFillConv(outChannels, outChannels, 3))));
    this.outChannels = inChannels.map(() => outChannels);
  }

  forward(features: tf.Tensor[]): tf.Tensor4D[] {
    if (features.length !== this.laterals.length) throw new Error(`Fpn: expected ${this.laterals.length} feature maps, got ${features.length}`);
    return tf.tidy(() => {
      const n = features.length;
      const out: tf.Tensor4D[] = new Array(n);
      let prev = this.laterals[n - 1].forward(features[n - 1]) as tf.Tensor4D;
      out[n - 1] = this.outputs[n - 1].forward(prev) as tf.Tensor4D;
      for (let i = n - 2; i >= 0; i--) {
        const lateral = this.laterals[i].forward(features[i]) as tf.Tensor4D;
        prev = tf.add(lateral, resizeNearest(prev, [lateral.shape[1], lateral.shape[2]]));
        out[i] = this.outputs[i].forward(prev) as tf.Tensor4D;
      }
      return out;
    });
  }
}

export const fpnNeck: ComponentDefinition<FpnOptions, Fpn> = {
  kind: 'neck',
  name: 'fpn',
  owner: '@vitkit/backbones',
  description: 'Feature pyramid network (lateral 1×1, top-down, 3×3 output convs): the panoptic-FPN baseline of the VT paper',
  options: fpnOptions,
  example: { inChannels: [4, 8, 16], strides: [4, 8, 16], outChannels: 8 },
  create: (o: FpnOptions, ctx: BuildContext) => new Fpn(o, ctx.path),
};
