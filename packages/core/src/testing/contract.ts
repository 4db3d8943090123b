/// <reference types="jest" />
import { tf } from '../tf';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors';
import { loadStateDict, stateDict } from '../io/state-dict';
import type { ImageClassifier } from '../models/contracts';
import type { Registry } from '../registry/registry';
import { buildModel, buildSegmenter } from '../spec/model-spec';
import type { Module } from '../nn/module';
import type { SegmentationModel } from '../registry/kinds';

export interface ContractOptions {
  /** Kinds whose components are built and checked; default every kind the registry holds that has a contract. */
  kinds?: string[];
  /** Only presets whose name matches (glob); default all. */
  presets?: string;
  /** Presets with more parameters than this are built and counted but not run (time). Default 30M. */
  maxForwardParams?: number;
}

function checkNames(model: Module, label: string): void {
  const names = [...model.namedParameters().map(([n]) => n), ...model.namedBuffers().map(([n]) => n)];
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  if (dup.length) throw new Error(`${label}: duplicate parameter names ${dup.join(', ')}`);
}

function runShape(model: ImageClassifier, label: string): void {
  const [h, w] = model.config.inputSize;
  const logits = tf.tidy(() => model.eval().forward(tf.randomUniform([2, h, w, model.config.inChans], 0, 1, 'float32', 7)));
  const want = [2, model.config.numClasses];
  const got = logits.shape;
  const finite = tf.tidy(() => tf.all(tf.isFinite(logits)).dataSync()[0]);
  logits.dispose();
  if (got[0] !== want[0] || got[1] !== want[1]) throw new Error(`${label}: forward gave [${got}], declared [${want}]`);
  if (!finite) throw new Error(`${label}: forward produced NaN or Inf`);
}

function runSegmenter(model: SegmentationModel, label: string): void {
  const [h, w] = model.config.inputSize;
  const logits = tf.tidy(() => model.eval().forward(tf.randomUniform([2, h, w, model.config.inChans], 0, 1, 'float32', 7) as tf.Tensor4D));
  const finite = tf.tidy(() => tf.all(tf.isFinite(logits)).dataSync()[0]);
  const got = logits.shape;
  logits.dispose();
  if (got.join() !== [2, h, w, model.config.numClasses].join()) throw new Error(`${label}: forward gave [${got}], declared [2, ${h}, ${w}, ${model.config.numClasses}]`);
  if (!finite) throw new Error(`${label}: forward produced NaN or Inf`);
}

function roundTrip(registry: Registry, spec: { type: string } & Record<string, unknown>, model: ImageClassifier, label: string): void {
  const bytes = serializeSafetensors(stateDict(model));
  const copy = buildModel(registry, spec);
  try {
    loadStateDict(copy, parseSafetensors(bytes, label).tensors);
    const [h, w] = model.config.inputSize;
    const diff = tf.tidy(() => {
      const x = tf.randomUniform([1, h, w, model.config.inChans], 0, 1, 'float32', 11) as tf.Tensor4D;
      return tf.max(tf.abs(tf.sub(model.eval().forward(x), copy.eval().forward(x)))).dataSync()[0];
    });
    if (diff !== 0) throw new Error(`${label}: state dict round trip through safetensors changed the logits by ${diff}`);
  } finally {
    copy.dispose();
  }
}

function dispose(value: unknown): void {
  (value as { dispose?: () => void } | null)?.dispose?.();
}

function randomTokens(dims: number[], numPatches: number[]): tf.Tensor3D[] {
  return dims.map((d, i) => tf.randomUniform([2, numPatches[i] + 1, d], -1, 1, 'float32', 3 + i) as tf.Tensor3D);
}

/** Runs what a kind's example makes runnable without outside data and checks the output shapes the kind promises. */
function runComponent(kind: string, name: string, value: unknown, example: Record<string, unknown>): void {
  if (kind === 'tokenizer') {
    const tok = value as { numTokens: number; embedDim: number; needsPreviousTokens?: boolean; forward(x: tf.Tensor4D): tf.Tensor3D; eval(): unknown };
    if (tok.needsPreviousTokens) return; // reads the previous module's tokens: run by its backbone's example
    const size = example.imgSize;
    const chans = (example.inChans ?? example.inChannels ?? 3) as number;
    if (typeof size !== 'number' && example.inChannels === undefined) return;
    const side = typeof size === 'number' ? size : 8;
    tok.eval();
    const shape = tf.tidy(() => tok.forward(tf.randomUniform([2, side, side, chans], 0, 1, 'float32', 5) as tf.Tensor4D).shape);
    const [, n, d] = shape;
    if (d !== tok.embedDim || (typeof size === 'number' && n !== tok.numTokens)) {
      throw new Error(`tokenizer "${name}": forward gave [${shape}], declared [2, ${tok.numTokens}, ${tok.embedDim}]`);
    }
  } else if (kind === 'head') {
    const head = value as { forward(x: tf.Tensor): tf.Tensor };
    const { inFeatures, numClasses } = example as { inFeatures: number; numClasses: number };
    const shape = tf.tidy(() => head.forward(tf.ones([2, inFeatures])).shape);
    const want = [2, numClasses === 0 ? inFeatures : numClasses];
    if (shape.join() !== want.join()) throw new Error(`head "${name}": forward gave [${shape}], expected [${want}]`);
  } else if (kind === 'neck') {
    // Levels at strides 4, 8, 16, … of a 32 px image, one per entry of the example's inChannels.
    const neck = value as { outChannels: readonly number[]; forward(xs: tf.Tensor[]): tf.Tensor[]; eval(): unknown };
    const inChannels = example.inChannels as number[];
    neck.eval();
    const shapes = tf.tidy(() => neck.forward(inChannels.map((c, i) => tf.randomUniform([2, 8 >> i, 8 >> i, c], -1, 1, 'float32', 3 + i))).map((t) => t.shape));
    const want = inChannels.map((_, i) => [2, 8 >> i, 8 >> i, neck.outChannels[i]].join());
    if (shapes.map((s) => s.join()).join(' ') !== want.join(' ')) throw new Error(`neck "${name}": forward gave [${shapes.join('], [')}], expected [${want.join('], [')}]`);
  } else if (kind === 'seg-head') {
    const head = value as { forward(xs: tf.Tensor4D[], size: [number, number]): tf.Tensor4D; eval(): unknown };
    const { inChannels, strides, numClasses } = example as { inChannels: number[]; strides: number[]; numClasses: number };
    head.eval();
    const shape = tf.tidy(() => head.forward(inChannels.map((c, i) => tf.randomUniform([2, 32 / strides[i], 32 / strides[i], c], -1, 1, 'float32', 3 + i) as tf.Tensor4D), [32, 32]).shape);
    if (shape.join() !== [2, 32, 32, numClasses].join()) throw new Error(`seg-head "${name}": forward gave [${shape}], expected [2, 32, 32, ${numClasses}]`);
  } else if (kind === 'segmenter') {
    runSegmenter(value as SegmentationModel, name);
  } else if (kind === 'fusion') {
    const fusion = value as { forward(xs: tf.Tensor3D[]): tf.Tensor3D[]; eval(): unknown };
    const { dims, numPatches } = example as { dims: number[]; numPatches?: number[] };
    const patches = numPatches ?? dims.map(() => 4);
    fusion.eval();
    const shapes = tf.tidy(() => fusion.forward(randomTokens(dims, patches)).map((t) => t.shape));
    shapes.forEach((s, i) => {
      if (s.join() !== [2, patches[i] + 1, dims[i]].join()) throw new Error(`fusion "${name}": branch ${i} came back as [${s}], expected [2, ${patches[i] + 1}, ${dims[i]}]`);
    });
  }
}

/**
 * timm-style contract tests over everything a registry holds: every component of every kind with a contract is
 * built from its registered `example` (the registry checks the kind's contract on the way) and, where the kind
 * allows it without outside data, run with the promised output shape and no leaked tensor; every backbone's
 * example also has unique parameter names and round-trips its state dict through safetensors; every preset
 * builds with unique names (and runs when small). Call inside a jest file: `describeRegistryContract(...)`.
 */
export function describeRegistryContract(makeRegistry: () => Registry, options: ContractOptions = {}): void {
  const registry = makeRegistry();
  const kinds = options.kinds ?? registry.kinds().filter((k) => registry.contract(k));
  const maxParams = options.maxForwardParams ?? 30e6;

  for (const kind of kinds.filter((k) => k !== 'backbone')) {
    const defs = registry.components(kind);
    describe(`registry contract: ${kind}`, () => {
      it('has a contract', () => expect(registry.contract(kind)?.kind).toBe(kind));
      it.each(defs.map((d) => [d.name, d] as const))('%s: example builds, meets the contract, runs, no leak', async (name, def) => {
        if (!def.example) throw new Error(`${kind} "${name}" (${def.owner}) declares no example options for the contract tests`);
        const before = tf.memory().numTensors;
        const built = registry.build<unknown>(kind, { type: name, ...def.example }, `${kind}:${name}`);
        const value = registry.contract(kind)?.async ? await built : built;
        try {
          runComponent(kind, name, value, def.example);
        } finally {
          dispose(value);
        }
        expect(tf.memory().numTensors).toBe(before);
      });
    });
  }

  if (!kinds.includes('backbone')) return;
  const backbones = registry.components('backbone');

  describe('registry contract: backbones', () => {
    it('has at least one backbone', () => expect(backbones.length).toBeGreaterThan(0));
    it.each(backbones.map((d) => [d.name, d] as const))('%s: example builds, runs, round-trips, no leak', (name, def) => {
      if (!def.example) throw new Error(`backbone "${name}" (${def.owner}) declares no example options for the contract tests`);
      const spec = { type: name, ...def.example };
      const before = tf.memory().numTensors;
      const model = buildModel(registry, spec);
      try {
        checkNames(model, name);
        runShape(model, name);
        roundTrip(registry, spec, model, name);
      } finally {
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  const presets = registry.listModels(options.presets ?? '*');
  describe('registry contract: presets', () => {
    it.each(presets)('%s builds with unique names', (name) => {
      if (registry.preset(name)?.kind === 'segmenter') {
        const seg = buildSegmenter(registry, name);
        try {
          checkNames(seg, name);
          expect(seg.countParameters().total).toBeGreaterThan(0);
          const [h, w] = seg.config.inputSize;
          if (seg.countParameters().total <= maxParams && h * w <= 64 * 64) runSegmenter(seg, name);
        } finally {
          seg.dispose();
        }
        return;
      }
      const model = buildModel(registry, name);
      try {
        checkNames(model, name);
        expect(model.countParameters().total).toBeGreaterThan(0);
        const [h, w] = model.config.inputSize;
        if (model.countParameters().total <= maxParams && h * w <= 64 * 64) runShape(model, name);
      } finally {
        model.dispose();
      }
    });
  });
}
