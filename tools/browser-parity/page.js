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

/**
 * Trains a tiny T2T-ViT for `steps` Adam steps on one fixed in-memory batch (two classes told apart by which half of the
 * image is bright) on `backend`; returns the losses and how the tensor count moved between the second step and the
 * last (0 when every step releases what it made).
 */
async function runTraining({ backend, steps }) {
  await selectBackend(backend, { quiet: true });
  const spec = { type: 'deep-narrow', imgSize: 16, inChans: 1, numClasses: 2, embedDim: 32, depth: 1, numHeads: 2, mlpRatio: 2, tokenizer: { type: 't2t', attention: 'performer', tokenDim: 16 } };
  const model = buildModel(createRegistry({ plugins: [tokenizers, fusion, backbones] }), spec);
  const optimizer = tf.train.adam(3e-3);
  const batch = 16;
  const pixels = new Float32Array(batch * 16 * 16);
  const labels = [];
  for (let b = 0; b < batch; b++) {
    const label = b % 2;
    labels.push(label);
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) pixels[(b * 16 + i) * 16 + j] = (label ? i >= 8 : i < 8) ? 1 : -1 + 0.01 * ((b * 7 + i * 3 + j) % 5);
  }
  const x = tf.tensor4d(pixels, [batch, 16, 16, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 2));
  const losses = [];
  let tensorsAfterSecond = 0;
  try {
    model.train();
    const variables = model.trainableVariables();
    for (let step = 1; step <= steps; step++) {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)), true, variables);
      losses.push((await loss.data())[0]);
      loss.dispose();
      if (step === 2) tensorsAfterSecond = tf.memory().numTensors;
    }
    return { backend: tf.getBackend(), losses, tensorGrowth: tf.memory().numTensors - tensorsAfterSecond };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * Runs the ONNX file vitkit exported from fixture `fixtureUrl`'s model in onnxruntime-web (its wasm engine, served
 * beside the page under /ort/, as an app would ship it) on the fixture's input; returns max |logits − __logits__|.
 */
async function runOnnxWeb({ modelUrl, fixtureUrl }) {
  // Loaded at run time from the served files, not bundled: onnxruntime-web fetches its own .wasm beside its script.
  const ortModule = '/ort/ort.wasm.min.mjs';
  const ort = await import(ortModule);
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = 1; // threads need a cross-origin-isolated page
  const { tensors } = await loadWeights(fixtureUrl);
  const input = tensors.get('__input__');
  const want = tensors.get('__logits__');
  const [n, c, h, w] = input.shape;
  // vitkit's ONNX graphs take NHWC, the fixtures hold NCHW.
  const nhwc = new Float32Array(input.data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) nhwc[((b * h + y) * w + x) * c + ch] = input.data[((b * c + ch) * h + y) * w + x];
  const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const out = (await session.run({ input: new ort.Tensor('float32', nhwc, [n, h, w, c]) })).logits;
    if (out.data.length !== want.data.length) throw new Error(`${modelUrl}: logits of shape [${out.dims}], __logits__ of shape [${want.shape}]`);
    let maxDiff = 0;
    for (let i = 0; i < out.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out.data[i] - want.data[i]));
    return { maxDiff };
  } finally {
    await session.release();
  }
}

window.vitkitParity = runParity;
window.vitkitOnnxWeb = runOnnxWeb;
window.vitkitTrain = runTraining;
window.vitkitReady = true;
