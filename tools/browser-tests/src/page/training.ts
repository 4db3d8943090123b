import { buildModel, createRegistry, manualSeed, selectBackend } from '@vitkit/core';
import type { ImageClassifier, ModelSpec } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { AdamW, cosineSchedule, crossEntropy, evaluateModel, fitBatches, InMemoryBatches, trainableParams } from '@vitkit/trainer';
import type { InMemoryData } from '@vitkit/trainer';
import type { TrainingRequest, TrainingRun } from './protocol';

/** MNIST digits are 28×28. */
const DIGIT = 28;
const PIXELS = DIGIT * DIGIT;

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Digits `from..from+count` of the served bytes, normalised and centred on a `r.side`² background, as NHWC grey images. */
function digits(r: TrainingRequest, pixels: Uint8Array, labels: Uint8Array, from: number, count: number): InMemoryData {
  if (labels.length < from + count) throw new Error(`the page was served ${labels.length} digits, it needs ${from + count}`);
  if (!(r.side >= DIGIT)) throw new Error(`side must be at least the digits' ${DIGIT} px, got ${r.side}`);
  const side = r.side;
  const offset = Math.floor((side - DIGIT) / 2);
  const images = new Float32Array(count * side * side).fill(-r.mean / r.std);
  for (let k = 0; k < count; k++) {
    for (let row = 0; row < DIGIT; row++) {
      for (let col = 0; col < DIGIT; col++) {
        images[(k * side + row + offset) * side + col + offset] = (pixels[(from + k) * PIXELS + row * DIGIT + col] / 255 - r.mean) / r.std;
      }
    }
  }
  return { images, shape: [side, side, 1], labels: Array.from(labels.subarray(from, from + count)), numClasses: 10 };
}

/** Trains the request's model on the first digits with the trainer's loop and measures it on the next ones. */
export async function runTraining(r: TrainingRequest): Promise<TrainingRun> {
  const choice = await selectBackend(r.backend, { quiet: true });
  const [pixels, labels] = await Promise.all([fetchBytes(r.imagesUrl), fetchBytes(r.labelsUrl)]);
  const train = new InMemoryBatches(digits(r, pixels, labels, 0, r.trainCount), { batchSize: r.batchSize, shuffleSeed: r.seed });
  const held = new InMemoryBatches(digits(r, pixels, labels, r.trainCount, r.evalCount), { batchSize: r.evalCount });
  manualSeed(r.seed);
  const model = buildModel(createRegistry({ plugins: [tokenizers, backbones] }), r.spec as ModelSpec) as ImageClassifier;
  const params = trainableParams(model);
  const optimizer = new AdamW(params, { weightDecay: 0.05 });
  try {
    const accuracyBefore = (await evaluateModel(model, held, 10)).top1;
    const started = performance.now();
    const { losses } = await fitBatches({ model, params, optimizer, schedule: cosineSchedule({ baseLr: r.lr, totalSteps: r.steps, warmupSteps: r.warmupSteps }), loss: crossEntropy(), data: train, steps: r.steps, clipGradNorm: 1 });
    const trainSeconds = (performance.now() - started) / 1000;
    const accuracyAfter = (await evaluateModel(model, held, 10)).top1;
    return { backend: choice.backend, losses, accuracyBefore, accuracyAfter, trainSeconds };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
