import * as core from '@vitkit/core';
import { BatchNorm2d, BuildContext, Classifier, Conv2d, ImageModelConfig, init, Layer, Module, nextSeed, relu, residualAdd, s, Sequential, tf } from '@vitkit/core';
import type { FeaturePyramidBackbone, Head, SchemaType } from '@vitkit/core';

/**
 * The stock wasm MaxPoolGrad routes gradients to wrong elements; core's wasm kernel pack replaces it. Until that
 * pack is registered, training on wasm uses the differentiable composition in `maxPool2d`.
 */
export function nativeMaxPoolGradIsExact(): boolean {
  if (tf.getBackend() !== 'wasm') return true;
  const registered = (core as unknown as { wasmKernelsRegistered?: () => boolean }).wasmKernelsRegistered;
  return typeof registered === 'function' && registered();
}

/**
 * N(0, std²) by Box–Muller from two seeded uniforms. Same distribution as `tf.randomNormal`, whose per-element JS
 * sampler is ~30× slower than `tf.randomUniform` (building ResNet-101 took ~80 s of sampling on a busy machine).
 */
export function fastNormal(std: number): init.Initializer {
  return (shape) =>
    tf.tidy(() => {
      const u1 = tf.sub(1, tf.randomUniform(shape, 0, 1, 'float32', nextSeed())); // (0, 1]
      const u2 = tf.randomUniform(shape, 0, 1, 'float32', nextSeed());
      const r = tf.sqrt(tf.mul(-2, tf.log(u1)));
      return tf.mul(tf.mul(r, tf.cos(tf.mul(2 * Math.PI, u2))), std);
    });
}

/** torchvision's conv init: kaiming normal, fan_out, ReLU gain. */
function convInit(outChannels: number, k: number): init.Initializer {
  return fastNormal(Math.sqrt(2 / (outChannels * k * k)));
}

function conv(inC: number, outC: number, k: number, stride = 1): Conv2d {
  return new Conv2d(inC, outC, k, { stride, padding: k === 3 ? 1 : k === 7 ? 3 : 0, bias: false, weightInit: convInit(outC, k) });
}

/**
 * `[B, H, W, C]` → every `stride`-th row and column starting at 0 (`x[:, ::s, ::s]`) without `stridedSlice`
 * (which has no gradient in tfjs): pad to a multiple of the stride, fold the phase into an axis, take phase 0.
 * Only rank ≤ 3 reshapes/slices, so it is fast on wasm and differentiable everywhere.
 */
export function subsample2d(x: tf.Tensor4D, stride: number, outH: number, outW: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const hh = outH * stride;
    const ww = outW * stride;
    let y: tf.Tensor4D = x;
    if (h < hh || w < ww) y = tf.pad(y, [[0, 0], [0, Math.max(0, hh - h)], [0, Math.max(0, ww - w)], [0, 0]]);
    y = tf.slice(y, [0, 0, 0, 0], [b, hh, ww, c]);
    // rows: [B·outH, stride, ww·C] → phase 0
    let r: tf.Tensor = tf.reshape(y, [b * outH, stride, ww * c]);
    r = tf.slice(r, [0, 0, 0], [b * outH, 1, ww * c]);
    // columns: [B·outH·outW, stride, C] → phase 0
    r = tf.reshape(r, [b * outH * outW, stride, c]);
    r = tf.slice(r, [0, 0, 0], [b * outH * outW, 1, c]);
    return tf.reshape(r, [b, outH, outW, c]);
  });
}

/**
 * PyTorch `MaxPool2d(kernel, stride, padding)` on NHWC (implicit −∞ padding, floor output size).
 * `differentiable = false` uses the engine's max-pool kernel with its own padding; true uses an exact,
 * differentiable composition (running max over the k×k shifted windows, then subsampling), for training on wasm
 * while the stock MaxPoolGrad is wrong there. Both give bit-identical forward values.
 */
export function maxPool2d(x: tf.Tensor4D, kernel: number, stride: number, padding: number, differentiable: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const outH = Math.floor((h + 2 * padding - kernel) / stride) + 1;
    const outW = Math.floor((w + 2 * padding - kernel) / stride) + 1;
    const p = padding;
    // tfjs pools skip padded positions (as −∞): no padded copy to make, and none for the gradient to slice back
    if (!differentiable) return tf.maxPool(x, kernel, stride, p);
    const padded = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], -Infinity) : x;
    const [b, hp, wp, c] = padded.shape;
    // Separable running max: over columns, then rows (stride 1), exact.
    const wo1 = wp - kernel + 1;
    let m: tf.Tensor4D = tf.slice(padded, [0, 0, 0, 0], [b, hp, wo1, c]);
    for (let j = 1; j < kernel; j++) m = tf.maximum(m, tf.slice(padded, [0, 0, j, 0], [b, hp, wo1, c]));
    const ho1 = hp - kernel + 1;
    let n: tf.Tensor4D = tf.slice(m, [0, 0, 0, 0], [b, ho1, wo1, c]);
    for (let i = 1; i < kernel; i++) n = tf.maximum(n, tf.slice(m, [0, i, 0, 0], [b, ho1, wo1, c]));
    return stride === 1 ? n : subsample2d(n, stride, outH, outW);
  });
}

/** torchvision `BasicBlock` (expansion 1): conv3×3(stride)–BN–ReLU–conv3×3–BN, + identity/downsample, ReLU. */
export class BasicBlock extends Layer {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.conv1 = this.addModule('conv1', conv(inplanes, planes, 3, stride));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.addModule('conv2', conv(planes, planes, 3));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    this.downsample = downsample ? this.addModule('downsample', downsample) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let out = relu(this.bn1.forward(this.conv1.forward(x)));
      out = this.bn2.forward(this.conv2.forward(out));
      const identity = this.downsample ? this.downsample.forward(x) : x;
      return relu(residualAdd(out, identity));
    });
  }
}

/** torchvision `Bottleneck` V1.5 (expansion 4): 1×1–BN–ReLU–3×3(stride)–BN–ReLU–1×1(×4)–BN, + identity/downsample, ReLU. */
export class Bottleneck extends Layer {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.conv1 = this.addModule('conv1', conv(inplanes, planes, 1));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.addModule('conv2', conv(planes, planes, 3, stride));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.addModule('conv3', conv(planes, planes * 4, 1));
    this.bn3 = this.addModule('bn3', new BatchNorm2d(planes * 4));
    this.downsample = downsample ? this.addModule('downsample', downsample) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let out = relu(this.bn1.forward(this.conv1.forward(x)));
      out = relu(this.bn2.forward(this.conv2.forward(out)));
      out = this.bn3.forward(this.conv3.forward(out));
      const identity = this.downsample ? this.downsample.forward(x) : x;
      return relu(residualAdd(out, identity));
    });
  }
}

export type BlockKind = 'basic' | 'bottleneck';

export function blockExpansion(kind: BlockKind): number {
  return kind === 'basic' ? 1 : 4;
}

/** Output channels of ResNet stages C2–C5 for a block kind and stage widths (what `ResNet.featureChannels` holds). */
export function resnetFeatureChannels(kind: BlockKind, widths: readonly number[]): number[] {
  return widths.map((w) => w * blockExpansion(kind));
}

/** A stage of residual blocks, children `0..n-1` (torchvision `_make_layer`). Returns the stage and its output width. */
export function makeLayer(kind: BlockKind, inplanes: number, planes: number, blocks: number, stride: number): { layer: Sequential; outplanes: number } {
  const exp = blockExpansion(kind);
  const Block = kind === 'basic' ? BasicBlock : Bottleneck;
  let downsample: Sequential | null = null;
  if (stride !== 1 || inplanes !== planes * exp) {
    downsample = new Sequential([conv(inplanes, planes * exp, 1, stride), new BatchNorm2d(planes * exp)]);
  }
  const list: Layer[] = [new Block(inplanes, planes, stride, downsample)];
  for (let i = 1; i < blocks; i++) list.push(new Block(planes * exp, planes, 1, null));
  return { layer: new Sequential(list), outplanes: planes * exp };
}

/** torchvision stem: `conv1` 7×7/2 (no bias) → `bn1` → ReLU → max-pool 3×3/2 pad 1. */
export class ResNetStem {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;

  constructor(owner: { add<M extends Module>(name: string, m: M): M }, inChans: number, width: number) {
    this.conv1 = owner.add('conv1', conv(inChans, width, 7, 2));
    this.bn1 = owner.add('bn1', new BatchNorm2d(width));
  }

  forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      const y = relu(this.bn1.forward(this.conv1.forward(x))) as tf.Tensor4D;
      return maxPool2d(y, 3, 2, 1, training && !nativeMaxPoolGradIsExact());
    });
  }
}

export const resnetOptions = s.object({
  block: s.default(s.enum(['basic', 'bottleneck'] as const), 'basic'),
  layers: s.array(s.int({ min: 1 }), { length: 4 }),
  widths: s.default(s.array(s.int({ min: 1 }), { length: 4 }), [64, 128, 256, 512]),
  numClasses: s.default(s.int({ min: 0 }), 1000),
  inChans: s.default(s.int({ min: 1 }), 3),
  imgSize: s.default(s.int({ min: 1 }), 224),
  /** Head spec (kind `head`) on the pooled stage-4 features; torchvision's `fc` keeps PyTorch's default Linear init. */
  head: s.default(s.component('head'), { type: 'linear', init: 'torch' }),
});

export type ResNetOptions = SchemaType<typeof resnetOptions>;

/**
 * torchvision ResNet (V1.5) with configurable stage widths (the fixtures' `NarrowResNet`); parameter names
 * `conv1`, `bn1`, `layer1..4`, `layerS.J.downsample.{0,1}`, `fc`, so torchvision state dicts load as they are.
 * The stem width is `widths[0]` (64 for the torchvision models).
 */
export class ResNet extends Classifier implements FeaturePyramidBackbone {
  readonly config: ImageModelConfig;
  readonly stem: ResNetStem;
  readonly layers: Sequential[] = [];
  readonly numFeatures: number;
  /** Output channels of stages C2–C5 (`layer1..4`). */
  readonly featureChannels: readonly number[];
  readonly featureStrides: readonly number[] = [4, 8, 16, 32];

  constructor(readonly options: ResNetOptions, ctx: BuildContext) {
    super();
    const o = options;
    this.config = { inputSize: [o.imgSize, o.imgSize], inChans: o.inChans, numClasses: o.numClasses };
    this.stem = new ResNetStem({ add: (n, m) => this.addModule(n, m) }, o.inChans, o.widths[0]);
    let inplanes = o.widths[0];
    const channels: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { layer, outplanes } = makeLayer(o.block, inplanes, o.widths[i], o.layers[i], i === 0 ? 1 : 2);
      this.layers.push(this.addModule(`layer${i + 1}`, layer));
      inplanes = outplanes;
      channels.push(outplanes);
    }
    this.featureChannels = channels;
    this.numFeatures = inplanes;
    this.mountHead(ctx, o.head, [inplanes], 'fc');
  }

  get fc(): Head {
    return this.heads[0];
  }

  /** The outputs of stages C2–C5 (`layer1..4`) at strides 4, 8, 16, 32: what a feature pyramid neck reads. */
  forwardFeatureMaps(x: tf.Tensor4D): tf.Tensor4D[] {
    // Returned from the tidy (not tf.keep, which would also escape an enclosing tidy).
    return tf.tidy(() => {
      const maps: tf.Tensor4D[] = [];
      let h: tf.Tensor = this.stem.forward(x, this.training);
      for (const l of this.layers) {
        h = l.forward(h);
        maps.push(h as tf.Tensor4D);
      }
      return maps;
    });
  }

  /** Stage-4 feature map `[B, H/32, W/32, C]`. */
  forwardFeatures(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h: tf.Tensor = this.stem.forward(x, this.training);
      for (const l of this.layers) h = l.forward(h);
      return h as tf.Tensor4D;
    });
  }

  /** Global average pool of the stage-4 map: what `fc` reads. */
  forwardPreLogits(x: tf.Tensor4D): tf.Tensor2D[] {
    return tf.tidy(() => [tf.mean(this.forwardFeatures(x), [1, 2]) as tf.Tensor2D]);
  }
}
