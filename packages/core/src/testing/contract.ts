/// <reference types="jest" />
import { tf } from '../tf';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors';
import { loadStateDict, stateDict } from '../io/state-dict';
import type { ImageClassifier } from '../models/contracts';
import type { Registry } from '../registry/registry';
import { buildModel } from '../spec/model-spec';

export interface ContractOptions {
  /** Only presets whose name matches (glob); default all. */
  presets?: string;
  /** Presets with more parameters than this are built and counted but not run (time). Default 30M. */
  maxForwardParams?: number;
}

function checkNames(model: ImageClassifier, label: string): void {
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

/**
 * timm-style contract tests over everything a registry holds: every backbone's example builds, runs with the
 * declared output shape, has unique parameter names and round-trips its state dict through safetensors; every
 * preset builds with unique names (and runs when small). Call inside a jest file: `describeRegistryContract(...)`.
 */
export function describeRegistryContract(makeRegistry: () => Registry, options: ContractOptions = {}): void {
  const registry = makeRegistry();
  const backbones = registry.components('backbone');
  const maxParams = options.maxForwardParams ?? 30e6;

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
