import { buildModel } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import { byId } from '../dom';
import { LossChart } from './loss-chart';
import { fetchDigits } from './mnist';
import type { Digits } from './mnist';
import { TINY_T2T_SPEC } from './tiny-t2t';
import { trainOnDigits } from './train-loop';

const BATCH_SIZE = 32;
const LEARNING_RATE = 2e-3;
/** About four passes over the served digits; Stop ends a run sooner. */
const MAX_STEPS = 500;

/** The Train tab: Train builds a fresh tiny T2T-ViT and trains it, drawing the loss per step, until Stop. */
export function setUpTrainPanel(registry: Registry): void {
  const start = byId('train-start', HTMLButtonElement);
  const stop = byId('train-stop', HTMLButtonElement);
  const status = byId('train-status', HTMLParagraphElement);
  const chart = new LossChart(byId('loss-chart', HTMLCanvasElement));
  byId('train-spec-summary', HTMLSpanElement).textContent = JSON.stringify(TINY_T2T_SPEC);

  let digits: Digits | null = null;
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
    const model = buildModel(registry, TINY_T2T_SPEC, 'train model');
    try {
      if (!digits) {
        status.textContent = 'loading the digits…';
        digits = await fetchDigits(document.baseURI);
        byId('train-count', HTMLSpanElement).textContent = `${digits.count}`;
      }
      status.textContent = `${model.countParameters().trainable} parameters; first step (the engine compiles its kernels)…`;
      const t0 = performance.now();
      const steps = await trainOnDigits(model, digits, {
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
