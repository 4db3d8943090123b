// The page of the onnxruntime-web check, bundled by run.js with esbuild as an app's bundler would: @vitkit/core through
// its `browser` export condition (dist/esm), the fixture through the browser `loadWeights(URL)`.
import { loadWeights } from '@vitkit/core';

/** Each engine's onnxruntime-web entry: the WebGPU one runs the wasm engine too, the wasm one is the smaller. */
const ORT_ENTRIES = { wasm: '/ort/ort.wasm.min.mjs', webgpu: '/ort/ort.webgpu.min.mjs' };

/**
 * Runs the ONNX file at `modelUrl` in onnxruntime-web (`engine`: wasm or webgpu; served beside the page under /ort/,
 * as an app would ship it) on an NHWC float32 batch; returns max |output − want|.
 */
async function maxDiffInOrt({ modelUrl, engine, input, dims, want }) {
  if (!ORT_ENTRIES[engine]) throw new Error(`engine ${JSON.stringify(engine)}: expected one of ${Object.keys(ORT_ENTRIES).join(', ')}`);
  // Without an adapter onnxruntime-web would fail deep in session creation; say what is missing instead.
  if (engine === 'webgpu' && !(await navigator.gpu?.requestAdapter())) throw new Error('the webgpu engine needs a WebGPU adapter, and this browser gives none');
  // Loaded at run time from the served files, not bundled: onnxruntime-web fetches its own .wasm beside its script.
  const ort = await import(ORT_ENTRIES[engine]);
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = 1; // threads need a cross-origin-isolated page
  const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  // Errors only: on WebGPU the session warns that shape ops stay on the CPU, which is onnxruntime's intended placement.
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [engine], logSeverityLevel: 3 });
  try {
    const out = (await session.run({ input: new ort.Tensor('float32', input, dims) })).logits;
    if (out.data.length !== want.length) throw new Error(`${modelUrl}: output of shape [${out.dims}] has ${out.data.length} values, expected ${want.length}`);
    let maxDiff = 0;
    for (let i = 0; i < out.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out.data[i] - want[i]));
    return { maxDiff };
  } finally {
    await session.release();
  }
}

/** The ONNX file vitkit exported from fixture `fixtureUrl`'s model, on the fixture's input: max |logits − __logits__|. */
async function runOnnxWeb({ modelUrl, fixtureUrl, engine }) {
  const { tensors } = await loadWeights(fixtureUrl);
  const input = tensors.get('__input__');
  const want = tensors.get('__logits__');
  const [n, c, h, w] = input.shape;
  // vitkit's ONNX graphs take NHWC, the fixtures hold NCHW.
  const nhwc = new Float32Array(input.data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) nhwc[((b * h + y) * w + x) * c + ch] = input.data[((b * c + ch) * h + y) * w + x];
  return maxDiffInOrt({ modelUrl, engine, input: nhwc, dims: [n, h, w, c], want: want.data });
}

/** An ONNX file and vitkit's own output for it (both from Node): `input` and `want` as plain arrays. */
function runOnnxWebAgainst({ modelUrl, engine, input, dims, want }) {
  return maxDiffInOrt({ modelUrl, engine, input: Float32Array.from(input), dims, want: Float32Array.from(want) });
}

window.vitkitOnnxWeb = runOnnxWeb;
window.vitkitOnnxWebAgainst = runOnnxWebAgainst;
window.vitkitReady = true;
