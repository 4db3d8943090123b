import { tf } from '../tf';
import { countMacs } from '../ops/macs';
import type { Registry } from '../registry/registry';
import { buildModel, ModelSpec, resolveModelSpec } from '../spec/model-spec';
import { splitPretrained } from '../spec/split-pretrained';

export interface ModelInfo {
  type: string;
  preset?: string;
  paramsTotal: number;
  paramsTrainable: number;
  /** Multiply-accumulates of all matmuls and convolutions of one forward pass at `input` (the papers' "FLOPs"). */
  macs: number;
  macsByKind: Record<string, number>;
  /** `[C, H, W]` the MACs were counted at. */
  input: [number, number, number];
  numClasses: number;
}

/** Parameter counts and MACs of a model, counted on a real batch-1 forward pass in eval mode. */
export function modelInfo(registry: Registry, spec: ModelSpec, options: { input?: [number, number, number] } = {}): ModelInfo {
  const presetName = typeof spec === 'string' ? spec : 'preset' in spec && typeof spec.preset === 'string' ? spec.preset : undefined;
  const preset = presetName ? registry.preset(presetName) : undefined;
  // Counts do not depend on the weights: a `pretrained` file is not read.
  const resolved = resolveModelSpec(registry, splitPretrained(spec).spec);
  const model = buildModel(registry, resolved);
  try {
    model.eval();
    const counts = model.countParameters();
    const [h, w] = model.config.inputSize;
    const input = options.input ?? preset?.referenceInput ?? [model.config.inChans, h, w];
    const { macs } = countMacs(() => tf.tidy(() => model.forward(tf.zeros([1, input[1], input[2], input[0]])).dataSync()));
    return {
      type: resolved.type,
      preset: preset?.name,
      paramsTotal: counts.total,
      paramsTrainable: counts.trainable,
      macs: macs.total,
      macsByKind: Object.fromEntries(macs.byKind),
      input,
      numClasses: model.config.numClasses,
    };
  } finally {
    model.dispose();
  }
}
