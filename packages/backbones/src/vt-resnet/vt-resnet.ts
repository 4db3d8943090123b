import { BatchNorm2d, BuildContext, Classifier, ComponentSpec, Conv2d, ImageModelConfig, ModuleList, relu, s, Sequential, SpecError, tf } from '@vitkit/core';
import type { FeaturePyramidBackbone, Head, SchemaType } from '@vitkit/core';
import { fastNormal, makeLayer, ResNetStem } from '../resnet/resnet';
import { isVtTokenizer, VtModule } from './vt-module';

export const vtResnetOptions = s.object({
  block: s.default(s.enum(['basic', 'bottleneck'] as const), 'basic'),
  /** Blocks in ResNet stages 1–3 (the paper's stages 2–4). */
  layers: s.array(s.int({ min: 1 }), { length: 3 }),
  /** Widths of stages 1–3 (default 64/128/256; ×4 output for Bottleneck). */
  widths: s.default(s.array(s.int({ min: 1 }), { length: 3 }), [64, 128, 256]),
  /** Number of VT modules replacing the last ResNet stage (2 for VT-R18, 3 otherwise). */
  vtModules: s.default(s.int({ min: 1 }), 2),
  /** Feature channels C of the VT modules; default = the stage-3 output width (the paper's text). */
  channels: s.optional(s.int({ min: 1 })),
  tokenChannels: s.default(s.int({ min: 1 }), 1024),
  numTokens: s.default(s.int({ min: 1 }), 16),
  /** Tokenizer of the first VT module (filter, clustering, pooling). */
  tokenizer: s.default(s.component('tokenizer'), 'filter'),
  /** Later modules use the recurrent tokenizer (Table 4 "w/ RT"); false = the first module's kind everywhere. */
  recurrent: s.default(s.boolean(), true),
  interaction: s.default(s.enum(['transformer', 'graph-conv', 'none'] as const), 'transformer'),
  /** Projectors (Eq. 5) in the VT modules; false = Table 7's "w/o projector". */
  projector: s.default(s.boolean(), true),
  /** Also build the last module's projector, whose feature map the classification head never reads. */
  projectLast: s.default(s.boolean(), false),
  attnDim: s.optional(s.int({ min: 1 })),
  ffnDim: s.optional(s.int({ min: 1 })),
  projDim: s.optional(s.int({ min: 1 })),
  numClasses: s.default(s.int({ min: 0 }), 1000),
  inChans: s.default(s.int({ min: 1 }), 3),
  imgSize: s.default(s.int({ min: 1 }), 224),
  /** Head spec (kind `head`) on the mean of the last module's tokens; `fc` keeps PyTorch's default Linear init. */
  head: s.default(s.component('head'), { type: 'linear', init: 'torch' }),
});

export type VtResNetOptions = SchemaType<typeof vtResnetOptions>;

/**
 * VT-ResNet (Wu et al. 2020, Table 11): the torchvision ResNet stem and stages 1–3 (names `conv1`, `bn1`,
 * `layer1..3`, so those load from torchvision checkpoints), then `vtModules` VT modules (`vt.{i}`) in place of the
 * last stage, working on the stride-16 feature map; head = mean over the last module's tokens + `fc`.
 * When `channels` differs from the stage-3 width, a 1×1 conv + BN + ReLU (`vt_in`) adapts the width first.
 */
export class VtResNet extends Classifier implements FeaturePyramidBackbone {
  readonly config: ImageModelConfig;
  /**
   * Channels of the maps `forwardFeatureMaps` returns: stages 1–2 (C2, C3) and the VT modules' refined stride-16
   * map (the VT modules replace stage 4, so there is no stride-32 level).
   */
  readonly featureChannels: readonly number[];
  readonly featureStrides: readonly number[] = [4, 8, 16];
  readonly stem: ResNetStem;
  readonly layers: Sequential[] = [];
  readonly adapter: Sequential | null;
  readonly vt: ModuleList<VtModule>;
  readonly channels: number;

  constructor(readonly options: VtResNetOptions, ctx: BuildContext) {
    super();
    const o = options;
    this.config = { inputSize: [o.imgSize, o.imgSize], inChans: o.inChans, numClasses: o.numClasses };
    this.stem = new ResNetStem({ add: (n, m) => this.addModule(n, m) }, o.inChans, o.widths[0]);
    let inplanes = o.widths[0];
    const stageChannels: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { layer, outplanes } = makeLayer(o.block, inplanes, o.widths[i], o.layers[i], i === 0 ? 1 : 2);
      this.layers.push(this.addModule(`layer${i + 1}`, layer));
      inplanes = outplanes;
      stageChannels.push(outplanes);
    }
    const c = o.channels ?? inplanes;
    this.channels = c;
    this.featureChannels = [stageChannels[0], stageChannels[1], c];
    this.adapter =
      c !== inplanes
        ? this.addModule('vt_in', new Sequential([new Conv2d(inplanes, c, 1, { bias: false, weightInit: fastNormal(Math.sqrt(2 / c)) }), new BatchNorm2d(c)]))
        : null;
    const ct = o.tokenChannels;
    const first = o.tokenizer;
    const firstType = typeof first === 'string' ? first : (first as { type?: unknown }).type;
    if (firstType === 'recurrent') {
      throw new SpecError([{ path: `${ctx.path}.tokenizer`, message: '"recurrent" needs the tokens of a previous VT module; the first module takes filter, clustering or pooling' }]);
    }
    const inherited = { inChannels: c, tokenChannels: ct, numTokens: o.numTokens };
    this.vt = this.addModule('vt', new ModuleList<VtModule>());
    for (let i = 0; i < o.vtModules; i++) {
      const spec: ComponentSpec = i > 0 && o.recurrent ? 'recurrent' : first;
      const path = i === 0 ? `${ctx.path}.tokenizer` : `${ctx.path}.vt[${i}].tokenizer`;
      const tok = ctx.build('tokenizer', spec, path, inherited);
      if (!isVtTokenizer(tok)) {
        tok.dispose();
        throw new SpecError([{ path, message: `tokenizer ${JSON.stringify(firstType)} is not a Visual Transformer tokenizer; use filter, clustering or pooling` }]);
      }
      if (tok.numTokens !== o.numTokens) {
        throw new SpecError([{ path: `${path}.numTokens`, message: `${tok.numTokens} differs from the model's numTokens ${o.numTokens}` }]);
      }
      const last = i === o.vtModules - 1;
      this.vt.push(
        new VtModule(
          {
            channels: c, tokenChannels: ct, numTokens: o.numTokens, interaction: o.interaction,
            projector: o.projector && (!last || o.projectLast),
            attnDim: o.attnDim ?? Math.max(1, Math.floor(ct / 2)), ffnDim: o.ffnDim ?? ct, projDim: o.projDim,
          },
          tok,
        ),
      );
    }
    this.mountHead(ctx, o.head, [ct], 'fc');
  }

  get fc(): Head {
    return this.heads[0];
  }

  /** ResNet stem and stages 1–3: the stride-16 feature map the VT modules read (before `vt_in`). */
  forwardStages(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h: tf.Tensor = this.stem.forward(x, this.training);
      for (const l of this.layers) h = l.forward(h);
      return h as tf.Tensor4D;
    });
  }

  /**
   * C2, C3 (stages 1–2) and the stride-16 map refined by the VT modules (stage 3, `vt_in`, then every module's
   * projector; the last module's only with `projectLast`): the levels a segmentation neck reads.
   */
  forwardFeatureMaps(x: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const maps: tf.Tensor4D[] = [];
      let h: tf.Tensor = this.stem.forward(x, this.training);
      this.layers.forEach((l, i) => {
        h = l.forward(h);
        if (i < 2) maps.push(h as tf.Tensor4D);
      });
      maps.push(this.forwardVt(h as tf.Tensor4D).x);
      return maps;
    });
  }

  /** The tokens of the last VT module `[B, L, CT]` (and the feature map it refined). */
  forwardFeatures(x: tf.Tensor4D): { x: tf.Tensor4D; tokens: tf.Tensor3D } {
    return tf.tidy(() => this.forwardVt(this.forwardStages(x)));
  }

  /** The VT part alone (`vt_in` when present, then the VT modules) on a stage-3 feature map. */
  forwardVt(stage3: tf.Tensor4D): { x: tf.Tensor4D; tokens: tf.Tensor3D } {
    return tf.tidy(() => {
      let h: tf.Tensor = stage3;
      if (this.adapter) h = relu(this.adapter.forward(h));
      let t: tf.Tensor3D | undefined;
      let fm = h as tf.Tensor4D;
      for (const m of this.vt.items) {
        const out = m.forward(fm, t);
        fm = out.x;
        t = out.tokens;
      }
      return { x: fm, tokens: t! };
    });
  }

  /** The mean of the last module's tokens: what `fc` reads. */
  forwardPreLogits(x: tf.Tensor4D): tf.Tensor2D[] {
    return tf.tidy(() => [tf.mean(this.forwardFeatures(x).tokens, 1) as tf.Tensor2D]);
  }

  /**
   * The spatial attention of every VT module's tokenizer for `x` (eval mode, no state change), one
   * `[B, H, W, L]` tensor per module on the stride-16 grid (the paper's Fig. 5). Caller disposes.
   */
  attentionMaps(x: tf.Tensor4D): tf.Tensor4D[] {
    const toks = this.vt.items.map((m) => m.tokenizer);
    const flags = toks.map((t) => t.recordAttention);
    const wasTraining = this.training;
    this.eval();
    try {
      toks.forEach((t) => (t.recordAttention = true));
      tf.dispose(this.forward(x));
      return toks.map((t) => t.lastAttention()!.clone());
    } finally {
      toks.forEach((t, i) => {
        t.recordAttention = flags[i];
        t.clearAttention();
      });
      this.train(wasTraining);
    }
  }
}
