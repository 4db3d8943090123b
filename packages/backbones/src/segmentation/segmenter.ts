import { FEATURE_PYRAMID_BACKBONE, Module, s, SpecError, tf } from '@vitkit/core';
import type { BuildContext, ComponentDefinition, FeaturePyramidBackbone, ImageModelConfig, Neck, SchemaType, SegHead, SegmentationModel } from '@vitkit/core';

export const segmenterOptions = s.object({
  /** A backbone that exposes its feature maps (ResNet, VT-ResNet); built without a classifier (numClasses 0). */
  backbone: s.component('backbone'),
  /** The neck (`fpn`, `vt-fpn`, or a plugin's); inherits the backbone's channels and strides. */
  neck: s.component('neck'),
  /** The segmentation head; inherits the neck's channels, the strides and numClasses. */
  head: s.default(s.component('seg-head'), 'semantic-fpn'),
  numClasses: s.int({ min: 1 }),
  inChans: s.default(s.int({ min: 1 }), 3),
  /** `[height, width]` the model is trained at; any size whose sides are multiples of the largest stride runs. */
  imgSize: s.array(s.int({ min: 1 }), { length: 2 }),
});

export type SegmenterOptions = SchemaType<typeof segmenterOptions>;

/**
 * A semantic segmentation model assembled from registered parts: `backbone` (feature pyramid) → `neck` → `head`
 * (kind `seg-head`); forward gives per-pixel logits `[B, H, W, numClasses]` at the input size. Parameter names are
 * the parts' own under `backbone.`, `neck.` and `head.` (torchvision names inside the backbone).
 */
export class Segmenter extends Module implements SegmentationModel {
  readonly config: ImageModelConfig;
  readonly backbone: FeaturePyramidBackbone;
  readonly neck: Neck;
  readonly segHead: SegHead;

  constructor(readonly options: SegmenterOptions, ctx: BuildContext) {
    super();
    const o = options;
    this.config = { inputSize: [o.imgSize[0], o.imgSize[1]], inChans: o.inChans, numClasses: o.numClasses };
    try {
      const backbone = this.addModule('backbone', ctx.build('backbone', o.backbone, `${ctx.path}.backbone`, { numClasses: 0, inChans: o.inChans, imgSize: o.imgSize[0] }));
      const missing = FEATURE_PYRAMID_BACKBONE.check(backbone);
      if (missing.length) {
        throw new SpecError([{ path: `${ctx.path}.backbone`, message: `does not expose feature maps for a segmentation neck; missing: ${missing.join(', ')}` }]);
      }
      this.backbone = backbone as unknown as FeaturePyramidBackbone;
      const strides = [...this.backbone.featureStrides];
      this.neck = this.addModule('neck', ctx.build('neck', o.neck, `${ctx.path}.neck`, { inChannels: [...this.backbone.featureChannels], strides }));
      this.segHead = this.addModule('head', ctx.build('seg-head', o.head, `${ctx.path}.head`, { inChannels: [...this.neck.outChannels], strides, numClasses: o.numClasses }));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.config.inChans) {
      throw new Error(`Segmenter: expected an NHWC image batch with ${this.config.inChans} channels, got shape [${x.shape}]`);
    }
    return tf.tidy(() => {
      const maps = this.backbone.forwardFeatureMaps(x);
      return this.segHead.forward(this.neck.forward(maps) as tf.Tensor4D[], [x.shape[1], x.shape[2]]);
    });
  }

  /**
   * The VT tokenizers' spatial attention for `x` (VT paper Figure 5), one `[B, h, w, L]` map per pyramid level, when
   * the neck has tokenizers (VT-FPN); null otherwise. Eval mode, no state change; caller disposes.
   */
  attentionMaps(x: tf.Tensor4D): tf.Tensor4D[] | null {
    const neck = this.neck as Partial<{ recordAttention(on: boolean): void; lastAttentionMaps(): tf.Tensor4D[] | null }>;
    if (typeof neck.recordAttention !== 'function' || typeof neck.lastAttentionMaps !== 'function') return null;
    const wasTraining = this.training;
    this.eval();
    try {
      neck.recordAttention(true);
      tf.dispose(this.forward(x));
      return neck.lastAttentionMaps();
    } finally {
      neck.recordAttention(false);
      this.train(wasTraining);
    }
  }
}

export const segmenter: ComponentDefinition<SegmenterOptions, Segmenter> = {
  kind: 'segmenter',
  name: 'segmentation',
  owner: '@vitkit/backbones',
  description: 'Semantic segmentation model: feature-pyramid backbone → neck → seg head, per-pixel logits at the input size',
  options: segmenterOptions,
  example: {
    backbone: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16] },
    neck: { type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 },
    head: { type: 'semantic-fpn', convDims: 8, groups: 2 },
    numClasses: 3,
    imgSize: [32, 64],
  },
  create: (o: SegmenterOptions, ctx: BuildContext) => new Segmenter(o, ctx),
};
