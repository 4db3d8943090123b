// The page of the onnxruntime-web check, bundled by run.js with esbuild as an app's bundler would: @vitkit/core through
// its `browser` export condition (dist/esm), the fixture through the browser `loadWeights(URL)`.
import { loadWeights } from '@vitkit/core';

/** Each engine's onnxruntime-web entry: the WebGPU one runs the wasm engine too, the wasm one is the smaller. */
const ORT_ENTRIES = { wasm: '/ort/ort.wasm.min.mjs', webgpu: '/ort/ort.webgpu.min.mjs' };

/**
 * Runs the ONNX file vitkit exported from fixture `fixtureUrl`'s model in onnxruntime-web (`engine`: wasm or webgpu;
 * served beside the page under /ort/, as an app would ship it) on the fixture's input; returns max |logits − __logits__|.
 */
async function runOnnxWeb({ modelUrl, fixtureUrl, engine }) {
  if (!ORT_ENTRIES[engine]) throw new Error(`engine ${JSON.stringify(engine)}: expected one of ${Object.keys(ORT_ENTRIES).join(', ')}`);
  // Without an adapter onnxruntime-web would fail deep in session creation; say what is missing instead.
  if (engine === 'webgpu' && !(await navigator.gpu?.requestAdapter())) throw new Error('the webgpu engine needs a WebGPU adapter, and this browser gives none');
  // Loaded at run time from the served files, not bundled: onnxruntime-web fetches its own .wasm beside its script.
  const ort = await import(ORT_ENTRIES[engine]);
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
  // Errors only: on WebGPU the session warns that shape ops stay on the CPU, which is onnxruntime's intended placement.
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [engine], logSeverityLevel: 3 });
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

window.vitkitOnnxWeb = runOnnxWeb;
window.vitkitReady = true;
