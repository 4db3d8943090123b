import type { tf } from '../tf';
import type { Module } from '../nn/module';
import type { FeaturePyramidBackbone, Fusion, ImageClassifier, ImageModelConfig, Tokenizer } from '../models/contracts';
import type { Report } from '../models/report';

/** A classification (or other task) head: pooled features `[B, inFeatures]` in, `[B, numClasses]` out. Kind `head`. */
export interface Head extends Module {
  forward(features: tf.Tensor): tf.Tensor;
}

/**
 * Turns a backbone's feature maps (finest first) into the maps a dense head reads, one per level at the same strides
 * (an FPN or VT-FPN). Kind `neck`; it is built with the backbone's `inChannels` (one per level) as an inherited option.
 */
export interface Neck extends Module {
  /** Channels of each output map, finest first. */
  readonly outChannels: readonly number[];
  forward(features: tf.Tensor[]): tf.Tensor[];
}

/**
 * A segmentation head: the neck's maps (finest first) → per-pixel logits `[B, H, W, numClasses]` at `outputSize`.
 * Kind `seg-head`; built with `inChannels`, `strides` (one per level) and `numClasses` as inherited options.
 */
export interface SegHead extends Module {
  forward(features: tf.Tensor4D[], outputSize: readonly [number, number]): tf.Tensor4D;
}

/**
 * A semantic segmentation model assembled from parts: backbone (feature pyramid) → neck → seg head. Kind
 * `segmenter`. Input NHWC, output logits `[B, H, W, numClasses]` at the input size.
 */
export interface SegmentationModel extends Module {
  readonly config: ImageModelConfig;
  readonly backbone: FeaturePyramidBackbone;
  readonly neck: Neck;
  readonly segHead: SegHead;
  forward(x: tf.Tensor4D): tf.Tensor4D;
}

/*
 * The data and trainer kinds' full types live in @vitkit/data and @vitkit/trainer; core states the part of them
 * the registry checks, so a plugin's component is rejected at build time instead of deep inside a training run.
 */

/** Kind `dataset` (factories return a promise: datasets may load from disk). */
export interface DatasetComponent {
  readonly name: string;
  readonly length: number;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly shape: readonly [number, number, number];
  get(index: number): Promise<unknown>;
}

/** Kind `transform`: a per-sample augmentation. */
export interface TransformComponent {
  readonly name: string;
  apply(image: unknown, ctx: unknown): unknown;
}

/** Kind `batch-transform`: a batch-level augmentation (mixup, cutmix). */
export interface BatchTransformComponent {
  readonly name: string;
  apply(batch: unknown, rng: unknown): unknown;
}

/** Kind `optimizer`: a base learning rate and a constructor over the model's parameters. */
export interface OptimizerComponent {
  readonly type: string;
  readonly lr: number;
  create(params: unknown[]): unknown;
}

/** Kind `schedule`: builds a learning-rate schedule once the run length is known. */
export interface ScheduleComponent {
  readonly type: string;
  create(ctx: unknown): unknown;
}

/** Kind `loss`: logits and targets to a scalar. */
export type LossComponent = (logits: tf.Tensor2D, targets: never) => tf.Scalar;

/**
 * What `build(kind, spec)` returns for each known kind. Open to plugins by declaration merging:
 * `declare module '@vitkit/core' { interface ComponentKinds { decoder: MyDecoder } }`.
 */
export interface ComponentKinds {
  tokenizer: Tokenizer;
  /** The complete model (tokenizer, body and head mounted under the reference names). */
  backbone: ImageClassifier;
  fusion: Fusion;
  head: Head;
  neck: Neck;
  'seg-head': SegHead;
  segmenter: SegmentationModel;
  dataset: Promise<DatasetComponent>;
  transform: TransformComponent;
  'batch-transform': BatchTransformComponent;
  optimizer: OptimizerComponent;
  schedule: ScheduleComponent;
  loss: LossComponent;
  report: Report;
}

export type KnownKind = keyof ComponentKinds;

/** The runtime half of a kind's contract: what the registry checks once on every component it builds. */
export interface KindContract {
  readonly kind: string;
  /** One line saying what a factory of this kind must return (quoted in errors and docs). */
  readonly describes: string;
  /** The factory returns a promise; the resolved value is checked. */
  readonly async?: boolean;
  /** What `value` lacks, one phrase per member (`numTokens (a number)`); empty when it meets the contract. */
  check(value: unknown): string[];
}

type MemberType = 'number' | 'string' | 'boolean' | 'function' | 'object' | 'array';

function memberMatches(v: unknown, type: MemberType): boolean {
  if (type === 'array') return Array.isArray(v);
  if (type === 'object') return typeof v === 'object' && v !== null;
  return typeof v === type;
}

const MODULE_MEMBERS: Record<string, MemberType> = { namedParameters: 'function', namedChildren: 'function', train: 'function', dispose: 'function' };

/** A contract over named members; `module: true` adds the `Module` surface (checked by shape, not `instanceof`, so a second copy of core still passes). */
export function memberContract(
  kind: string,
  describes: string,
  members: Record<string, MemberType>,
  opts: { module?: boolean; callable?: boolean; async?: boolean; more?: (value: Record<string, unknown>) => string[] } = {},
): KindContract {
  const all = { ...(opts.module ? MODULE_MEMBERS : {}), ...members };
  return {
    kind,
    describes,
    async: opts.async,
    check(value) {
      if (opts.callable) return typeof value === 'function' ? [] : ['a function'];
      if (typeof value !== 'object' || value === null) return [`an object (got ${value === null ? 'null' : typeof value})`];
      const o = value as Record<string, unknown>;
      const missing = Object.entries(all)
        .filter(([name, type]) => !memberMatches(o[name], type))
        .map(([name, type]) => `${name} (${type === 'function' ? 'a method' : `${type === 'array' ? 'an' : 'a'} ${type}`})`);
      return missing.length || !opts.more ? missing : opts.more(o);
    },
  };
}

function checkModelConfig(model: Record<string, unknown>): string[] {
  const c = model.config as Record<string, unknown>;
  const size = c.inputSize;
  const missing: string[] = [];
  if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n > 0)) missing.push('config.inputSize ([height, width])');
  if (!Number.isInteger(c.inChans)) missing.push('config.inChans (an integer)');
  if (!Number.isInteger(c.numClasses)) missing.push('config.numClasses (an integer)');
  return missing;
}

/** The richer contract of a Visual-Transformer tokenizer (`FeatureMapTokenizer`), checked by the backbones that need it. */
export const FEATURE_MAP_TOKENIZER: KindContract = memberContract(
  'tokenizer',
  'a FeatureMapTokenizer (a Visual Transformer tokenizer: filter, clustering, pooling or recurrent)',
  { embedDim: 'number', numTokens: 'number', needsPreviousTokens: 'boolean', recordAttention: 'boolean', forward: 'function', lastAttention: 'function', clearAttention: 'function' },
  { module: true },
);

/** The richer contract of a backbone that exposes multi-scale feature maps (`FeaturePyramidBackbone`), checked by segmentation models. */
export const FEATURE_PYRAMID_BACKBONE: KindContract = memberContract(
  'backbone',
  'a FeaturePyramidBackbone (featureChannels, featureStrides and forwardFeatureMaps(x) → feature maps, finest first)',
  { featureChannels: 'array', featureStrides: 'array', forwardFeatureMaps: 'function' },
  { module: true },
);

/** The contracts of every kind core knows; `createRegistry` declares them on each registry it makes. */
export const CORE_KIND_CONTRACTS: readonly KindContract[] = [
  memberContract('tokenizer', 'a Tokenizer: a Module with embedDim, numTokens and forward(x NHWC) → [B, numTokens, embedDim]', { embedDim: 'number', numTokens: 'number', forward: 'function' }, { module: true }),
  memberContract(
    'backbone',
    'an ImageClassifier: a Module with config { inputSize, inChans, numClasses } and forward(x NHWC) → logits [B, numClasses]',
    { config: 'object', forward: 'function' },
    { module: true, more: checkModelConfig },
  ),
  memberContract('fusion', 'a Fusion: a Module with forward(branches: [B, N_i, D_i][]) → one sequence per branch', { forward: 'function' }, { module: true }),
  memberContract('head', 'a Head: a Module with forward(features [B, F]) → [B, numClasses]', { forward: 'function' }, { module: true }),
  memberContract('neck', 'a Neck: a Module with outChannels and forward(featureMaps[]) → featureMaps[]', { outChannels: 'array', forward: 'function' }, { module: true }),
  memberContract('seg-head', 'a SegHead: a Module with forward(featureMaps[], [H, W]) → logits [B, H, W, numClasses]', { forward: 'function' }, { module: true }),
  memberContract(
    'segmenter',
    'a SegmentationModel: a Module with config { inputSize, inChans, numClasses }, backbone, neck, segHead and forward(x NHWC) → logits [B, H, W, numClasses]',
    { config: 'object', backbone: 'object', neck: 'object', segHead: 'object', forward: 'function' },
    { module: true, more: checkModelConfig },
  ),
  memberContract('dataset', 'a promise of a Dataset with name, length, numClasses, classNames, shape and get(index)', { name: 'string', length: 'number', numClasses: 'number', classNames: 'array', shape: 'array', get: 'function' }, { async: true }),
  memberContract('transform', 'a Transform with name and apply(image, ctx)', { name: 'string', apply: 'function' }),
  memberContract('batch-transform', 'a BatchTransform with name and apply(batch, rng)', { name: 'string', apply: 'function' }),
  memberContract('optimizer', 'an optimizer factory with type, lr and create(params)', { type: 'string', lr: 'number', create: 'function' }),
  memberContract('schedule', 'a schedule factory with type and create(ctx)', { type: 'string', create: 'function' }),
  memberContract('loss', 'a loss function (logits, targets) → scalar', {}, { callable: true }),
  memberContract('report', 'a Report with title and run(registry)', { title: 'string', run: 'function' }),
];
