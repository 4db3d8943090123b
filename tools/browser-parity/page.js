// The page of the browser parity check, bundled by run.js with esbuild as an app's bundler would: every @vitkit
// package through its `browser` export condition (dist/esm), weights through the browser `loadWeights(URL)`.
import { buildModel, createRegistry, loadStateDict, loadWeights, selectBackend, tf } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as backbones } from '@vitkit/backbones';
// The app's choice of engines: WebGL comes with @tensorflow/tfjs (core's tf); wasm is imported and its .wasm served.
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

setWasmPaths('/wasm/');

/**
 * Runs fixture `url` (safetensors with `__input__` NCHW and `__logits__`) through `spec` on `backend`; returns the
 * backend that ran and max |logits − __logits__|.
 */
async function runParity({ url, spec, backend }) {
  await selectBackend(backend, { quiet: true });
  const { tensors } = await loadWeights(url);
  const input = tensors.get('__input__');
  const want = tensors.get('__logits__');
  if (!input || !want) throw new Error(`${url}: no __input__ / __logits__ tensors`);
  const model = buildModel(createRegistry({ plugins: [tokenizers, fusion, backbones] }), spec);
  try {
    loadStateDict(model, tensors, { strict: true, source: url });
    model.eval();
    const logits = tf.tidy(() => model.forward(tf.transpose(tf.tensor4d(input.data, input.shape), [0, 2, 3, 1])));
    const got = await logits.data();
    const shape = logits.shape;
    logits.dispose();
    if (got.length !== want.data.length) throw new Error(`${url}: logits of shape [${shape}], __logits__ of shape [${want.shape}]`);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want.data[i]));
    // The backend that ran the forward pass, not only the one selectBackend reported starting.
    return { backend: tf.getBackend(), maxDiff };
  } finally {
    model.dispose();
  }
}

window.vitkitParity = runParity;
window.vitkitReady = true;
