// The tiny training run the trainer's tests share (not part of the public API): a one-block ViT on 8×8 grey
// synthetic images, and its spec with overridable model and train sections.

/** One block, width 16, 2×2 patches of 4 px; no dropout (tests add it where they need randomness). */
export const TINY_VIT = {
  type: 'vit',
  imgSize: 8,
  inChans: 1,
  numClasses: 3,
  embedDim: 16,
  depth: 1,
  numHeads: 2,
  mlpRatio: 2,
  tokenizer: { type: 'patch', patchSize: 4 },
};

export interface TinyRunOptions {
  seed?: number;
  batchSize?: number;
  model?: Record<string, unknown>;
  train?: Record<string, unknown>;
}

/** A spec for TINY_VIT on synthetic data (backend 'keep': the test selects it), AdamW + cosine, writing to `outDir`. */
export function tinyRunSpec(outDir: string, o: TinyRunOptions = {}) {
  return {
    seed: o.seed ?? 3,
    backend: 'keep',
    model: { ...TINY_VIT, ...o.model } as Record<string, unknown>,
    data: { train: { type: 'synthetic' }, test: { type: 'synthetic' }, batchSize: o.batchSize ?? 8 },
    train: {
      epochs: 2,
      optimizer: { type: 'adamw', lr: 3e-3, weightDecay: 0.05 },
      schedule: { type: 'cosine', warmupSteps: 2 },
      loss: { type: 'cross-entropy', labelSmoothing: 0.1 },
      clipGradNorm: 1,
      logEvery: 2,
      outDir,
      ...o.train,
    },
  };
}
