import * as path from 'path';
import { tf } from '../tf';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { loadStateDict } from '../io/state-dict';
import { readWeights } from '../io/read-weights';
import type { WeightsChoice } from '../io/pth/checkpoint-layout';
import { buildModel, ModelSpec } from '../spec/model-spec';
import { buildPretrainedModel, splitPretrained } from '../spec/pretrained-spec';
import { loadRunSpec, RunSpec } from '../spec/run-spec';
import { createRegistry } from '../registry/create-registry';
import type { Registry } from '../registry/registry';

export interface ForwardArgs {
  /** Preset name, spec file, or spec object. */
  spec: string | RunSpec | ModelSpec;
  /** The model's state dict (reference names): safetensors or a PyTorch checkpoint (.pth/.pth.tar); strict loading. */
  weights?: string;
  /** For a training checkpoint with live and EMA weights: which (default `auto`, see {@link WeightsChoice}). */
  weightsChoice?: WeightsChoice;
  /** safetensors holding `__input__` (NCHW float32). */
  input: string;
  /** Where to write `__logits__`; omitted = do not write. */
  output?: string;
  /**
   * Registry to build from, holding the plugins the model needs (`createRegistry({ plugins: [...] })`); default: core
   * and the spec's `plugins` only. Core loads no package the caller or the spec did not name.
   */
  registry?: Registry;
}

export interface ForwardResult {
  logits: Float32Array;
  shape: number[];
}

/** Reads `__input__`, runs the model in eval mode, writes `__logits__`: the parity check from outside the code. */
export async function runForward(args: ForwardArgs): Promise<ForwardResult> {
  const loaded = await loadRunSpec(args.spec);
  const registry = args.registry ?? createRegistry({ load: loaded.spec.plugins ?? [], baseDir: loaded.baseDir });
  const { tensors } = await readSafetensors(args.input);
  const input = tensors.get('__input__');
  if (!input) throw new Error(`${args.input}: has no tensor "__input__" (expected NCHW float32)`);
  if (input.shape.length !== 4) throw new Error(`${args.input}: "__input__" has shape [${input.shape}], expected NCHW`);
  // --weights replaces the spec's `pretrained`; without it, `pretrained` (if any) is loaded.
  const model = args.weights
    ? buildModel(registry, splitPretrained(loaded.spec.model).spec)
    : (await buildPretrainedModel(registry, loaded.spec.model, { baseDir: loaded.baseDir, log: (l) => process.stderr.write(`${l}\n`) })).model;
  try {
    if (args.weights) {
      const w = args.weights === args.input ? tensors : (await readWeights(args.weights, { weights: args.weightsChoice })).tensors;
      loadStateDict(model, w, { source: args.weights });
    }
    model.eval();
    const out = tf.tidy(() => model.forward(tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1])));
    const logits = out.dataSync() as Float32Array;
    const shape = out.shape;
    out.dispose();
    if (args.output) {
      await writeSafetensors(path.resolve(args.output), [['__logits__', { shape, data: logits }]], { format: 'pt', producer: 'vitkit forward' });
    }
    return { logits, shape };
  } finally {
    model.dispose();
  }
}
