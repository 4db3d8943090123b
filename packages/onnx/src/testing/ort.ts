/// <reference types="jest" />
import { BatchNorm2d, buildModel, Module, selectBackend, tf } from '@vitkit/core';
import type { ModelSpec, Registry } from '@vitkit/core';
import * as ort from 'onnxruntime-node';
import { exportOnnx, ExportableModel, ExportOnnxOptions, INPUT_NAME, OUTPUT_NAME } from '../export';

/** Runs an exported model in onnxruntime-node on an NHWC batch; returns the logits and their dims. */
export async function runOrt(bytes: Uint8Array, x: tf.Tensor4D): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const input = new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape);
    const out = (await session.run({ [INPUT_NAME]: input }))[OUTPUT_NAME];
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/** max |ort − vitkit| of the model's logits on a seeded random batch of each size (one export for all sizes). */
export async function maxDiffAtBatches(model: ExportableModel, batches: number[], options?: ExportOnnxOptions): Promise<number[]> {
  model.eval();
  const bytes = exportOnnx(model, options);
  const [h, w] = model.config.inputSize;
  const out: number[] = [];
  for (const b of batches) {
    const x = tf.randomNormal([b, h, w, model.config.inChans], 0, 1, 'float32', 7 + b) as tf.Tensor4D;
    const want = tf.tidy(() => model.forward(x));
    const got = await runOrt(bytes, x);
    expect(got.dims).toEqual(want.shape);
    out.push(maxAbsDiff(got.data, want.dataSync() as Float32Array));
    tf.dispose([x, want]);
  }
  return out;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Non-trivial BatchNorm statistics and affine parameters (fresh models have mean 0, var 1: a fold that ignores them would pass). */
export function randomizeBatchNorms(model: Module): void {
  let seed = 11;
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof BatchNorm2d)) continue;
    const n = m.numFeatures;
    const next = () => tf.randomUniform([n], 0.5, 1.5, 'float32', seed++);
    tf.tidy(() => {
      m.runningMean.assign(tf.sub(next(), 1));
      m.runningVar.assign(next());
      m.weight.variable.assign(next());
      m.bias.variable.assign(tf.sub(next(), 1));
    });
  }
}

/**
 * One test per case: the model built from the spec (BatchNorm statistics randomised) exports, and onnxruntime-node
 * reproduces its logits to 1e-4 at each batch size.
 */
export function describeExportParity(title: string, registry: () => Registry, cases: Array<[string, ModelSpec]>, batches = [1, 3]): void {
  describe(title, () => {
    beforeAll(async () => {
      await selectBackend('cpu', { quiet: true });
    });

    it.each(cases)(`%s: logits match vitkit to 1e-4 at batch ${batches.join(' and ')}`, async (_name, spec) => {
      const model = buildModel(registry(), spec);
      try {
        randomizeBatchNorms(model);
        const diffs = await maxDiffAtBatches(model, batches);
        for (const d of diffs) expect(d).toBeLessThanOrEqual(1e-4);
      } finally {
        model.dispose();
      }
    });
  });
}
