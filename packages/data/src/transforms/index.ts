import { describeValue, Registry, s, Schema, SpecError } from '@vitkit/core';
import type { ComponentDefinition, ComponentSpec, RegistryLike } from '@vitkit/core';
import { CenterCrop, HorizontalFlip, Normalize, RandomCrop, RandomErasing, RandomResizedCrop, Resize, ToChannels } from './basic';
import { Mix } from './mix';
import { RandAugment, RAND_AUGMENT_OPS, RandAugmentOp } from './rand-augment';
import type { BatchTransform, Transform } from './types';

const OWNER = '@vitkit/data';

/** An image size: one integer (square, or "shorter side" for resize) or `[height, width]`. */
export const sizeSchema: Schema<number | [number, number]> = {
  description: 'a positive integer or [height, width]',
  parse(v, path, issues) {
    const ok = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1;
    if (ok(v) || (Array.isArray(v) && v.length === 2 && v.every(ok))) return v as number | [number, number];
    issues.push({ path, message: `${describeValue(v)} is not valid; expected a positive integer or [height, width]` });
    return v as number;
  },
};

function range(def: [number, number], min = 0): Schema<[number, number]> {
  const inner = s.array(s.number({ min }), { length: 2 });
  return s.default(
    {
      description: `[low, high] with low <= high`,
      parse(v, path, issues) {
        const out = inner.parse(v, path, issues) as [number, number];
        if (Array.isArray(out) && out.length === 2 && out[0] > out[1]) issues.push({ path, message: `[${out.join(', ')}] has low > high` });
        return out;
      },
    },
    def,
  );
}

const prob = (d: number) => s.default(s.number({ min: 0, max: 1 }), d);
const interpolation = s.default(s.enum(['bilinear', 'nearest'] as const), 'bilinear');

/** `example`: a small option set the registry contract tests build the component from. */
function def<O>(kind: string, name: string, description: string, options: Schema<O>, create: (o: O) => unknown, example: Record<string, unknown> = {}): ComponentDefinition<O, unknown> {
  return { kind, name, owner: OWNER, description, options, example, create: (o) => create(o) };
}

/** Parses timm's RandAugment config string, e.g. `rand-m9-mstd0.5-inc1` or `rand-m7-n3-mstd1`. */
export function parseRandAugmentConfig(config: string): { magnitude: number; numOps: number; magnitudeStd: number; prob: number } {
  const parts = config.split('-');
  if (parts[0] !== 'rand') throw new Error(`rand-augment config "${config}" must start with "rand-"`);
  const out = { magnitude: 9, numOps: 2, magnitudeStd: 0.5, prob: 0.5 };
  for (const p of parts.slice(1)) {
    const m = /^(mstd|inc|m|n|p)([0-9.]+|inf)$/.exec(p);
    if (!m) throw new Error(`rand-augment config "${config}": cannot read "${p}" (known: m<magnitude>, n<ops>, mstd<std>, p<prob>, inc1)`);
    const v = m[2] === 'inf' ? Infinity : Number(m[2]);
    if (m[1] === 'm') out.magnitude = v;
    else if (m[1] === 'n') out.numOps = v;
    else if (m[1] === 'mstd') out.magnitudeStd = v;
    else if (m[1] === 'p') out.prob = v;
    else if (m[1] === 'inc' && v !== 1) throw new Error(`rand-augment config "${config}": only the increasing variants (inc1) are implemented`);
  }
  return out;
}

export const transformDefinitions: Array<ComponentDefinition<Record<string, unknown>, unknown>> = [
  def('transform', 'resize', 'Resize to [h, w], or the shorter side to n keeping the aspect ratio', s.object({ size: sizeSchema, interpolation }), (o) => new Resize(o.size, o.interpolation), { size: 8 }),
  def(
    'transform',
    'center-crop',
    'Centre crop to size; a smaller image is padded (fill zero as torchvision, or the mean colour)',
    s.object({ size: sizeSchema, fill: s.default(s.enum(['zero', 'mean'] as const), 'zero') }),
    (o) => new CenterCrop(o.size, o.fill),
    { size: 8 },
  ),
  def(
    'transform',
    'random-crop',
    'Random crop after padding each side (CIFAR: size 32, padding 4)',
    s.object({ size: sizeSchema, padding: s.default(s.int({ min: 0 }), 0), fill: s.default(s.enum(['zero', 'mean'] as const), 'zero') }),
    (o) => new RandomCrop(o.size, o.padding, o.fill),
    { size: 8, padding: 2 },
  ),
  def(
    'transform',
    'random-resized-crop',
    'torchvision RandomResizedCrop: random area/aspect box resized to size',
    s.object({ size: sizeSchema, scale: range([0.08, 1]), ratio: range([3 / 4, 4 / 3], 1e-6), interpolation }),
    (o) => new RandomResizedCrop(o.size, o.scale, o.ratio, o.interpolation),
    { size: 8 },
  ),
  def(
    'transform',
    'channels',
    'Grey to RGB (repeat) or RGB to grey (luma), e.g. MNIST into a 3-channel model',
    s.object({
      channels: {
        description: '1 or 3',
        parse(v, p, issues) {
          if (v !== 1 && v !== 3) issues.push({ path: p, message: `${describeValue(v)} is not valid; expected 1 or 3` });
          return v as 1 | 3;
        },
      } as Schema<1 | 3>,
    }),
    (o) => new ToChannels(o.channels),
    { channels: 3 },
  ),
  def('transform', 'horizontal-flip', 'Left-right mirror with probability p', s.object({ p: prob(0.5) }), (o) => new HorizontalFlip(o.p)),
  def(
    'transform',
    'normalize',
    '(x - mean) / std per channel (the DataLoader already normalises last; use this only outside a loader)',
    s.object({ mean: s.array(s.number(), { minLength: 1 }), std: s.array(s.number({ gt: 0 }), { minLength: 1 }) }),
    (o) => new Normalize(o.mean, o.std),
    { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
  ),
  def(
    'transform',
    'random-erasing',
    'timm RandomErasing: erase a random box (const = mean colour, rand = per-channel noise, pixel = per-pixel noise)',
    s.object({
      p: prob(0.25),
      scale: range([0.02, 1 / 3]),
      ratio: range([0.3, 1 / 0.3], 1e-6),
      mode: s.default(s.enum(['const', 'rand', 'pixel'] as const), 'const'),
      count: s.default(s.int({ min: 1 }), 1),
      maxCount: s.optional(s.int({ min: 1 })),
    }),
    (o) => new RandomErasing(o.p, o.scale, o.ratio, o.mode, [o.count, Math.max(o.count, o.maxCount ?? o.count)]),
    { p: 0.5 },
  ),
  def(
    'transform',
    'rand-augment',
    'RandAugment as timm (increasing ops); config "rand-m9-mstd0.5-inc1" or numOps/magnitude/magnitudeStd/prob',
    s.object({
      config: s.optional(s.string()),
      numOps: s.optional(s.int({ min: 0 })),
      magnitude: s.optional(s.number({ min: 0, max: 10 })),
      magnitudeStd: s.optional(s.number({ min: 0 })),
      prob: s.optional(s.number({ min: 0, max: 1 })),
      ops: s.optional(s.array(s.enum(RAND_AUGMENT_OPS as readonly RandAugmentOp[] as [RandAugmentOp, ...RandAugmentOp[]]), { minLength: 1 })),
    }),
    (o) => {
      const base = o.config ? parseRandAugmentConfig(o.config) : { magnitude: 9, numOps: 2, magnitudeStd: 0.5, prob: 0.5 };
      return new RandAugment(o.numOps ?? base.numOps, o.magnitude ?? base.magnitude, o.magnitudeStd ?? base.magnitudeStd, o.prob ?? base.prob, o.ops ?? RAND_AUGMENT_OPS);
    },
    { config: 'rand-m9-mstd0.5-inc1' },
  ),
  def(
    'batch-transform',
    'mixup',
    'Mixup: x = λx + (1-λ)x.flip(0), λ ~ Beta(alpha, alpha); targets mixed alike',
    s.object({ alpha: s.default(s.number({ gt: 0 }), 0.8), prob: prob(1) }),
    (o) => new Mix('mixup', { mixupAlpha: o.alpha, cutmixAlpha: 0, prob: o.prob, switchProb: 0 }),
  ),
  def(
    'batch-transform',
    'cutmix',
    'CutMix: paste a box of the mirrored sample, λ = 1 - box area; targets mixed alike',
    s.object({ alpha: s.default(s.number({ gt: 0 }), 1), prob: prob(1) }),
    (o) => new Mix('cutmix', { mixupAlpha: 0, cutmixAlpha: o.alpha, prob: o.prob, switchProb: 1 }),
  ),
  def(
    'batch-transform',
    'mixup-cutmix',
    'timm Mixup with both: cutmix with probability switchProb, else mixup (DeiT: 0.8 / 1.0 / 0.5)',
    s.object({
      mixupAlpha: s.default(s.number({ min: 0 }), 0.8),
      cutmixAlpha: s.default(s.number({ min: 0 }), 1),
      prob: prob(1),
      switchProb: prob(0.5),
    }),
    (o) => new Mix('mixup-cutmix', o),
  ),
];

export function registerTransforms(registry: RegistryLike): void {
  for (const d of transformDefinitions) registry.register(d);
}

function typeOf(spec: ComponentSpec): unknown {
  return typeof spec === 'string' ? spec : spec && typeof spec === 'object' ? (spec as { type?: unknown }).type : undefined;
}

function checkList(specs: unknown, path: string): ComponentSpec[] {
  if (specs === undefined || specs === null) return [];
  if (!Array.isArray(specs)) throw new SpecError([{ path, message: `${describeValue(specs)} is not valid; expected a list of transform specs` }]);
  return specs as ComponentSpec[];
}

/** Builds per-sample transforms from a spec list such as `['horizontal-flip', { type: 'random-resized-crop', size: 224 }]`. */
export function createTransforms(registry: Registry, specs: readonly ComponentSpec[] | undefined, path = 'data.transforms'): Transform[] {
  return checkList(specs, path).map((spec, i) => {
    const t = typeOf(spec);
    if (typeof t === 'string' && !registry.has('transform', t) && registry.has('batch-transform', t)) {
      throw new SpecError([{ path: `${path}[${i}].type`, message: `"${t}" is a batch transform; list it under batchTransforms (or use createAugmentation)` }]);
    }
    return registry.build<Transform>('transform', spec, `${path}[${i}]`);
  });
}

/** Builds batch transforms (mixup, cutmix, mixup-cutmix, or plugin ones). */
export function createBatchTransforms(registry: Registry, specs: readonly ComponentSpec[] | undefined, path = 'data.batchTransforms'): BatchTransform[] {
  return checkList(specs, path).map((spec, i) => {
    const t = typeOf(spec);
    if (typeof t === 'string' && !registry.has('batch-transform', t) && registry.has('transform', t)) {
      throw new SpecError([{ path: `${path}[${i}].type`, message: `"${t}" is a per-sample transform; list it under transforms` }]);
    }
    return registry.build<BatchTransform>('batch-transform', spec, `${path}[${i}]`);
  });
}

/** Splits one mixed list into per-sample and batch transforms by their registered kind (order kept within each). */
export function createAugmentation(
  registry: Registry,
  specs: readonly ComponentSpec[] | undefined,
  path = 'data.augment',
): { transforms: Transform[]; batchTransforms: BatchTransform[] } {
  const transforms: Transform[] = [];
  const batchTransforms: BatchTransform[] = [];
  checkList(specs, path).forEach((spec, i) => {
    const t = typeOf(spec);
    if (typeof t === 'string' && registry.has('batch-transform', t)) batchTransforms.push(registry.build<BatchTransform>('batch-transform', spec, `${path}[${i}]`));
    else transforms.push(registry.build<Transform>('transform', spec, `${path}[${i}]`));
  });
  return { transforms, batchTransforms };
}

export * from './types';
export * from './basic';
export * from './mix';
export * from './rand-augment';
