import { createRegistry, ImageClassifier, tf } from '@vitkit/core';
import { registerVtTokenizers } from '@vitkit/tokenizers';
import { registerResNet } from '../resnet';
import { registerVtResNet } from '../vt-resnet';

/** A registry with the ResNet and VT-ResNet backbones plus the VT tokenizers. */
export function vtRegistry() {
  const r = createRegistry();
  registerVtTokenizers(r);
  registerResNet(r);
  registerVtResNet(r);
  return r;
}

/** A VT-ResNet small enough for the cpu backend: 32 px input, stage-3 map 2×2, CT 16, L 4. */
export const TINY = { type: 'vt-resnet', layers: [1, 1, 1], widths: [4, 8, 8], tokenChannels: 16, numTokens: 4, numClasses: 3, imgSize: 32 };

/**
 * Trains `model` for `steps` Adam steps on a fixed batch of 4 random images with 3 labels. Everything trains on wasm
 * (Conv2DBackpropFilter from core's kernel pack); on cpu the conv kernels stay frozen because its
 * Conv2DBackpropFilter takes ~1 s per step here (the ResNet tests train convs on cpu), while every BN, tokenizer,
 * transformer, projector and fc parameter trains. Returns the losses and the tensor counts after each step.
 */
export function trainTiny(model: ImageClassifier, steps: number, size = 32): { losses: number[]; tensors: number[]; trained: number; convs: boolean } {
  model.train();
  const convs = tf.getBackend() === 'wasm' && tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined;
  const vars = model.parameters().filter((p) => p.trainable && (convs || p.layout !== 'conv2d')).map((p) => p.variable);
  const opt = tf.train.adam(0.01);
  const x = tf.randomNormal([4, size, size, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
  const losses: number[] = [];
  const tensors: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar, true, vars)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    tensors.push(tf.memory().numTensors);
  }
  opt.dispose();
  tf.dispose([x, y]);
  return { losses, tensors, trained: vars.reduce((n, v) => n + v.size, 0), convs };
}
