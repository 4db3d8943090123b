// The smallest useful vitkit app, measured by `npm run bundle-size`: only @vitkit/core, @vitkit/tokenizers and
// @vitkit/backbones. It builds a preset, loads weights from a URL and names the top class of an image, so the bundle
// holds what such an app really ships (tfjs with its WebGL and cpu engines included).
import { buildModel, createRegistry, IMAGENET_CLASSES, imageToInput, loadStateDict, loadWeights, selectBackend, tf, timmEvalTransform } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';

async function main(): Promise<void> {
  await selectBackend();
  const registry = createRegistry({ plugins: [tokenizers, backbones] });
  const model = buildModel(registry, 't2t_vit_7').eval();
  loadStateDict(model, (await loadWeights('t2t_vit_7.safetensors')).tensors);
  const image = document.getElementById('image') as HTMLImageElement;
  const input = imageToInput(image, timmEvalTransform(224, 0.9, 'bicubic'));
  const top = tf.tidy(() => tf.argMax(model.forward(input), 1));
  const [index] = await top.data();
  tf.dispose([input, top]);
  (document.getElementById('result') as HTMLElement).textContent = IMAGENET_CLASSES[index];
}

void main();
