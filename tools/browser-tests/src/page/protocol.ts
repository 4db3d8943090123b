// What the Node side of the browser tests and the test page say to each other (plain JSON both ways).

/** A parity fixture for the page: where its safetensors is served and the spec of its model. */
export interface ParityCase {
  name: string;
  weightsUrl: string;
  spec: { type: string } & Record<string, unknown>;
}

/** One fixture's logits in the page against its `__logits__`. */
export interface ParityOutcome {
  name: string;
  maxAbsDiff: number;
  maxAbsLogit: number;
  logitCount: number;
}

export interface ParityRun {
  /** The tfjs backend that ran (what `selectBackend` started). */
  backend: string;
  outcomes: ParityOutcome[];
}

/** A short training run: `trainCount` digits to train on, the next `evalCount` to measure accuracy on. */
export interface TrainingRequest {
  backend: string;
  /** Raw MNIST bytes: 28×28 uint8 pixels per digit, then one uint8 label per digit. */
  imagesUrl: string;
  labelsUrl: string;
  /** The images' side: the 28 px digits centred on a background of this size (the model's input size). */
  side: number;
  /** Normalisation of the [0, 1] pixel values. */
  mean: number;
  std: number;
  trainCount: number;
  evalCount: number;
  batchSize: number;
  steps: number;
  /** Peak learning rate of the cosine schedule, reached after `warmupSteps` of linear warm-up. */
  lr: number;
  warmupSteps: number;
  seed: number;
  spec: { type: string } & Record<string, unknown>;
}

export interface TrainingRun {
  backend: string;
  /** The mean loss of each step's batch. */
  losses: number[];
  /** Top-1 accuracy on the held-out digits before and after training. */
  accuracyBefore: number;
  accuracyAfter: number;
  /** Wall time of the training steps in the page. */
  trainSeconds: number;
}

/** What the page puts on `globalThis.vitkitBrowserTests`. */
export interface BrowserTestApi {
  runParity(backend: string, cases: ParityCase[]): Promise<ParityRun>;
  runTraining(request: TrainingRequest): Promise<TrainingRun>;
}
