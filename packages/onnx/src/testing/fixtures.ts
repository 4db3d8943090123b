import * as fs from 'fs';
import * as path from 'path';
import { buildModel, createRegistry, ImageClassifier, loadStateDict, readSafetensors, tf } from '@vitkit/core';
import type { ModelSpec, Registry } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { fixtureSpec as t2tFixtureSpec, resnetFixtureSpec } from '@vitkit/backbones/testing';
import { fixturePath } from '@vitkit/core/testing';

export const FIXTURES = fixturePath();

export function firstPartyRegistry(): Registry {
  return createRegistry({ plugins: [tokenizers, backbones, fusion] });
}

/** The model spec of a parity fixture (official constructor → vitkit spec), per family. */
export function fixtureSpec(name: string): ModelSpec {
  if (name.startsWith('t2t_')) {
    const meta = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as { constructor: string };
    return t2tFixtureSpec(meta.constructor);
  }
  if (name.startsWith('resnet')) {
    return resnetFixtureSpec(name);
  }
  if (name.startsWith('crossvit_')) {
    // VisionTransformer(img_size=[48, 32], patch_size=[12, 16], embed_dim=[24, 48], num_heads=[2, 2], mlp_ratio=[2, 2, 1], ...)
    return {
      type: 'dual-branch', imgSize: [48, 32], patchSize: [12, 16], inChans: 3, numClasses: 10, embedDim: [24, 48],
      depth: name.includes('xattn_seq') ? [[1, 2, 2], [1, 1, 1]] : [[1, 2, 0], [1, 2, 0]],
      numHeads: [2, 2], mlpRatio: [2, 2], qkvBias: true, normEps: 1e-6,
      tokenizer: name.includes('_conv') ? 'conv-stem' : 'patch', fusion: 'cross-attention',
    };
  }
  throw new Error(`no spec for fixture ${name}`);
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
