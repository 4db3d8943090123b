import { buildModel } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import { byId } from '../dom';
import { LossChart } from './loss-chart';
import { fetchDigits } from './mnist';
import type { Digits } from './mnist';
import { splitDigits } from './digit-batches';
import { heldOutAccuracy } from './held-out';
import { TINY_T2T_SPEC } from './tiny-t2t';
import { trainOnDigits } from './train-loop';

const BATCH_SIZE = 32;
const LEARNING_RATE = 2e-3;
/** About four passes over the served digits; Stop ends a run sooner. */
const MAX_STEPS = 500;
/** The last served digits, never trained on: the accuracy a run ends with is measured on them. */
const HELD_OUT = 256;

/**
 * The Train tab: Train builds a fresh tiny T2T-ViT and trains it on all but the last HELD_OUT digits, drawing the loss
 * per step, until Stop or MAX_STEPS; then scores it on the held-out digits.
 */
export function setUpTrainPanel(registry: Registry): void {
  const start = byId('train-start', HTMLButtonElement);
  const stop = byId('train-stop', HTMLButtonElement);
  const status = byId('train-status', HTMLParagraphElement);
  const accuracy = byId('train-accuracy', HTMLParagraphElement);
  const chart = new LossChart(byId('loss-chart', HTMLCanvasElement));
  byId('train-spec-summary', HTMLSpanElement).textContent = JSON.stringify(TINY_T2T_SPEC);

  let digits: { train: Digits; test: Digits } | null = null;
  let stopRequested = false;
  stop.addEventListener('click', () => {
    stopRequested = true;
    stop.disabled = true;
  });

  start.addEventListener('click', () => void run());

  async function run(): Promise<void> {
    start.disabled = true;
    stop.disabled = false;
    stopRequested = false;
    delete status.dataset.error;
    chart.clear();
    accuracy.textContent = '';
    delete accuracy.dataset.accuracy;
    const model = buildModel(registry, TINY_T2T_SPEC, 'train model');
    try {
      if (!digits) {
        status.textContent = 'loading the digits…';
        digits = splitDigits(await fetchDigits(document.baseURI), HELD_OUT);
        byId('train-count', HTMLSpanElement).textContent = `${digits.train.count}`;
        byId('train-held-out', HTMLSpanElement).textContent = `${digits.test.count}`;
      }
      status.textContent = `${model.countParameters().trainable} parameters; first step (the engine compiles its kernels)…`;
      const t0 = performance.now();
      const steps = await trainOnDigits(model, digits.train, {
        batchSize: BATCH_SIZE,
        learningRate: LEARNING_RATE,
        maxSteps: MAX_STEPS,
        stopRequested: () => stopRequested,
        onStep({ step, loss, tensors }) {
          chart.add(loss);
          const perStep = (performance.now() - t0) / step;
          status.textContent = `step ${step}: loss ${loss.toFixed(4)} · ${perStep.toFixed(0)} ms/step · ${tensors} tensors in memory`;
          status.dataset.tensors = String(tensors);
        },
      });
      status.textContent += stopRequested ? ` · stopped after ${steps} steps` : ` · done (${steps} steps)`;
      accuracy.textContent = `measuring accuracy on ${digits.test.count} held-out digits…`;
      const heldOut = await heldOutAccuracy(model, digits.test, BATCH_SIZE);
      accuracy.textContent = `held-out accuracy after ${steps} steps: ${(heldOut.accuracy * 100).toFixed(1)} % of ${heldOut.count} digits never trained on`;
      accuracy.dataset.accuracy = String(heldOut.accuracy);
    } catch (err) {
      status.textContent = `error: ${(err as Error).message}`;
      status.dataset.error = 'true';
    } finally {
      model.dispose();
      start.disabled = false;
      stop.disabled = true;
    }
  }
}
