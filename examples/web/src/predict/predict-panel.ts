import { imageToInput } from '@vitkit/core';
import type { Registry, WeightsSource } from '@vitkit/core';
import testImageUrl from '../assets/test-image.svg';
import { byId, fillDefinitions } from '../dom';
import { attentionPicture, drawPicture } from './attention-picture';
import { classifyImage } from './classify-image';
import { loadClassifier } from './classifier';
import { readModelChoice } from './model-choice';
import { classifierPresets } from './presets';

const DEFAULT_PRESET = 't2t_vit_7';
const TOP_K = 5;

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** The Predict tab: a preset or spec, weights from a file or URL, an image, then the top-5, timings and attention. */
export function setUpPredictPanel(registry: Registry): void {
  const presetSelect = byId('preset', HTMLSelectElement);
  const presetInfo = byId('preset-info', HTMLParagraphElement);
  const specText = byId('spec', HTMLTextAreaElement);
  const weightsFile = byId('weights-file', HTMLInputElement);
  const weightsUrl = byId('weights-url', HTMLInputElement);
  const image = byId('image', HTMLImageElement);
  const imageFile = byId('image-file', HTMLInputElement);
  const drop = byId('drop', HTMLDivElement);
  const form = byId('predict-form', HTMLFormElement);
  const button = byId('predict', HTMLButtonElement);
  const status = byId('predict-status', HTMLParagraphElement);
  const table = byId('top5', HTMLTableElement);
  const timings = byId('timings', HTMLDListElement);
  const attentionStatus = byId('attention-status', HTMLParagraphElement);
  const attentionCanvas = byId('attention-canvas', HTMLCanvasElement);

  const presets = classifierPresets(registry);
  for (const p of presets) presetSelect.add(new Option(p.published ? `${p.name} (published weights)` : p.name, p.name, false, p.name === DEFAULT_PRESET));
  const describePreset = () => {
    presetInfo.textContent = presets.find((p) => p.name === presetSelect.value)?.description ?? '';
  };
  presetSelect.addEventListener('change', describePreset);
  describePreset();

  image.src = testImageUrl;
  let imageUrl: string | null = null;
  const showImage = (file: File | undefined) => {
    if (!file) return;
    if (imageUrl) URL.revokeObjectURL(imageUrl);
    imageUrl = URL.createObjectURL(file);
    image.src = imageUrl;
  };
  imageFile.addEventListener('change', () => showImage(imageFile.files?.[0]));
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    showImage(e.dataTransfer?.files[0]);
  });

  const weightsSource = (): WeightsSource | null => weightsFile.files?.[0] ?? (weightsUrl.value.trim() || null);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });

  async function run(): Promise<void> {
    button.disabled = true;
    form.dataset.state = 'running';
    table.hidden = timings.hidden = attentionCanvas.hidden = true;
    attentionStatus.textContent = '';
    delete status.dataset.error;
    status.textContent = 'loading the model…';
    let classifier: Awaited<ReturnType<typeof loadClassifier>> | null = null;
    try {
      await image.decode();
      const t0 = performance.now();
      classifier = await loadClassifier(registry, readModelChoice(presetSelect.value, specText.value), weightsSource());
      const loadMs = performance.now() - t0;
      status.textContent = 'predicting…';
      const result = await classifyImage(classifier, image, TOP_K);

      table.createCaption().textContent = `Top-${TOP_K} (${classifier.classNames.length ? 'ImageNet-1k classes' : 'class indices'})`;
      const body = table.tBodies[0];
      body.replaceChildren();
      for (const c of result.top) {
        const row = body.insertRow();
        row.insertCell().textContent = c.label;
        row.insertCell().textContent = `${(c.probability * 100).toFixed(2)}%`;
      }
      fillDefinitions(timings, [
        ['load', formatMs(loadMs)],
        ['preprocess', formatMs(result.preprocessMs)],
        ['forward', formatMs(result.forwardMs)],
        ['weights', classifier.weights],
      ]);
      table.hidden = timings.hidden = false;
      status.textContent = `done: ${classifier.model.config.inputSize.join('×')} input, ${classifier.model.config.numClasses} classes`;

      attentionStatus.textContent = 'explaining…';
      const input = imageToInput(image, classifier.transform);
      try {
        const picture = await attentionPicture(classifier.model, input, classifier.transform);
        drawPicture(attentionCanvas, picture.image);
        attentionCanvas.hidden = false;
        attentionStatus.textContent = picture.rows.join('; ');
      } catch (err) {
        attentionStatus.textContent = (err as Error).message;
      } finally {
        input.dispose();
      }
    } catch (err) {
      status.textContent = `error: ${(err as Error).message}`;
      status.dataset.error = 'true';
    } finally {
      classifier?.model.dispose();
      button.disabled = false;
      form.dataset.state = 'done';
    }
  }
}
