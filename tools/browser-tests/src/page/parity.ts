import { buildModel, createRegistry, loadStateDict, loadWeights, selectBackend, tf } from '@vitkit/core';
import type { ImageClassifier, ModelSpec } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import type { ParityCase, ParityOutcome, ParityRun } from './protocol';

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/** One fixture: weights fetched by `loadWeights`, the model built from its spec, its `__input__` run in eval mode. */
async function runCase(c: ParityCase): Promise<ParityOutcome> {
  const { tensors } = await loadWeights(c.weightsUrl);
  const input = tensors.get('__input__');
  const expected = tensors.get('__logits__');
  if (!input || !expected) throw new Error(`${c.weightsUrl}: a parity fixture needs __input__ and __logits__`);
  const model = buildModel(createRegistry({ plugins: [tokenizers, backbones, fusion] }), c.spec as ModelSpec) as ImageClassifier;
  try {
    loadStateDict(model, tensors, { strict: true, source: c.name });
    model.eval();
    const logits = tf.tidy(() => {
      const nchw = tf.tensor4d(input.data as Float32Array, input.shape as [number, number, number, number]);
      return model.forward(tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D);
    });
    const got = (await logits.data()) as Float32Array;
    logits.dispose();
    const want = expected.data as Float32Array;
    if (got.length !== want.length) throw new Error(`${c.name}: ${got.length} logits, the fixture has ${want.length}`);
    return { name: c.name, maxAbsDiff: maxAbs(got.map((v, i) => v - want[i])), maxAbsLogit: maxAbs(want), logitCount: want.length };
  } finally {
    model.dispose();
  }
}

/** Every fixture on `backend` (selected the way an app selects it), one after the other. */
export async function runParity(backend: string, cases: ParityCase[]): Promise<ParityRun> {
  const choice = await selectBackend(backend, { quiet: true });
  const outcomes: ParityOutcome[] = [];
  for (const c of cases) outcomes.push(await runCase(c));
  return { backend: choice.backend, outcomes };
}
