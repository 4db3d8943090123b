import * as path from 'path';
import { buildModel, createRegistry, ImageClassifier, loadStateDict, readSafetensors, tf } from '@vitkit/core';
import type { ModelSpec, Registry } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { parityFixtureSpec } from '@vitkit/backbones/testing';
import { fixturePath } from '@vitkit/core/testing';

export const FIXTURES = fixturePath();

export function firstPartyRegistry(): Registry {
  return createRegistry({ plugins: [tokenizers, backbones, fusion] });
}

/** The model spec of a parity fixture (official constructor → vitkit spec), per family. */
export function fixtureSpec(name: string): ModelSpec {
  return parityFixtureSpec(name) as ModelSpec;
}

/** A fixture's model (official weights loaded strictly), its NHWC input and reference logits. */
export async function loadFixture(name: string): Promise<{ model: ImageClassifier; input: tf.Tensor4D; logits: Float32Array }> {
  const { tensors } = await readSafetensors(path.join(FIXTURES, `${name}.safetensors`));
  const model = buildModel(firstPartyRegistry(), fixtureSpec(name));
  loadStateDict(model, tensors, { strict: true, source: name });
  model.eval();
  const x = tensors.get('__input__')!;
  const input = tf.tidy(() => tf.transpose(tf.tensor4d(x.data as Float32Array, x.shape as [number, number, number, number]), [0, 2, 3, 1])) as tf.Tensor4D;
  return { model, input, logits: tensors.get('__logits__')!.data as Float32Array };
}
