import { IMAGENET_CLASSES, imageToInput } from '@vitkit/core';
import testImageUrl from '../assets/test-image.svg';
import { byId, fillDefinitions } from '../dom';
import { topK } from '../predict/top-k';
import { readOnnxPreprocessing, transformOf } from './onnx-metadata';
import { chooseOrtEngine, OnnxSession } from './onnx-session';

const TOP_K = 5;

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function softmax(logits: Float32Array): Float32Array {
  const max = logits.reduce((a, b) => Math.max(a, b), -Infinity);
  const e = logits.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * The ONNX tab: a model exported by `vitkit export` (a File or a URL) runs in onnxruntime-web (WebGPU where the
 * browser has an adapter, else wasm), on an image preprocessed as the file's metadata says; top-5 with timings.
 */
export function setUpOnnxPanel(): void {
  const form = byId('onnx-form', HTMLFormElement);
  const file = byId('onnx-file', HTMLInputElement);
  const url = byId('onnx-url', HTMLInputElement);
  const image = byId('onnx-image', HTMLImageElement);
  const imageFile = byId('onnx-image-file', HTMLInputElement);
  const button = byId('onnx-run', HTMLButtonElement);
  const status = byId('onnx-status', HTMLParagraphElement);
  const table = byId('onnx-top5', HTMLTableElement);
  const timings = byId('onnx-timings', HTMLDListElement);

  image.src = testImageUrl;
  let imageUrl: string | null = null;
  imageFile.addEventListener('change', () => {
    const f = imageFile.files?.[0];
    if (!f) return;
    if (imageUrl) URL.revokeObjectURL(imageUrl);
    imageUrl = URL.createObjectURL(f);
    image.src = imageUrl;
  });

  async function modelBytes(): Promise<{ bytes: Uint8Array; name: string }> {
    const f = file.files?.[0];
    if (f) return { bytes: new Uint8Array(await f.arrayBuffer()), name: f.name };
    const u = url.value.trim();
    if (!u) throw new Error('choose an .onnx file or give its URL');
    const res = await fetch(u);
    if (!res.ok) throw new Error(`${u}: HTTP ${res.status}`);
    return { bytes: new Uint8Array(await res.arrayBuffer()), name: u };
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });

  async function run(): Promise<void> {
    button.disabled = true;
    form.dataset.state = 'running';
    table.hidden = timings.hidden = true;
    delete status.dataset.error;
    status.textContent = 'loading the model…';
    let session: OnnxSession | null = null;
    try {
      await image.decode();
      const t0 = performance.now();
      const { bytes, name } = await modelBytes();
      const prep = readOnnxPreprocessing(bytes);
      const transform = transformOf(prep);
      session = await OnnxSession.create(bytes, await chooseOrtEngine());
      const t1 = performance.now();
      status.textContent = 'predicting…';
      const input = imageToInput(image, transform);
      const pixels = (await input.data()) as Float32Array;
      const dims = input.shape;
      input.dispose();
      const t2 = performance.now();
      const out = await session.run(pixels, dims);
      const t3 = performance.now();
      if (out.dims.length !== 2) throw new Error(`the model's output has shape [${out.dims}]; this tab shows the classes of a classifier ([batch, classes])`);
      const classes = out.dims[1];
      const names = classes === IMAGENET_CLASSES.length ? IMAGENET_CLASSES : [];
      const top = topK(softmax(out.data), Math.min(TOP_K, classes), names);
      table.createCaption().textContent = `Top-${top.length} (${names.length ? 'ImageNet-1k classes' : 'class indices'})`;
      const body = table.tBodies[0];
      body.replaceChildren();
      for (const c of top) {
        const row = body.insertRow();
        row.insertCell().textContent = c.label;
        row.insertCell().textContent = `${(c.probability * 100).toFixed(2)}%`;
      }
      fillDefinitions(timings, [
        ['engine', `onnxruntime-web (${session.engine})`],
        ['model', `${name} (${(bytes.length / 1e6).toFixed(2)} MB${prep.model ? `, ${prep.model}` : ''})`],
        ['preprocessing', `${transform.interpolation} resize to ${transform.resize}, crop ${transform.crop}, mean ${prep.mean.join('/')}, std ${prep.std.join('/')}`],
        ['load', formatMs(t1 - t0)],
        ['preprocess', formatMs(t2 - t1)],
        ['forward', formatMs(t3 - t2)],
      ]);
      table.hidden = timings.hidden = false;
      status.textContent = `done: ${prep.inputSize.join('×')} input, ${classes} classes`;
    } catch (err) {
      status.textContent = `error: ${(err as Error).message}`;
      status.dataset.error = 'true';
    } finally {
      await session?.release();
      button.disabled = false;
      form.dataset.state = status.dataset.error ? 'failed' : 'done';
    }
  }
}
