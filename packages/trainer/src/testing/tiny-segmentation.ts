// The tiny segmentation run the trainer's tests share (not part of the public API): a narrow ResNet with a VT-FPN
// neck on 32×32 synthetic MNIST segmentation (1–2 digits, 11 classes), 4 batches of 4 per epoch.

export const TINY_VT_FPN = { type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 };

/** A segmenter with the given neck: ResNet basic blocks [1,1,1,1], widths 4/8/8/8, semantic-FPN head of 8 channels. */
export function tinySegmenter(neck: Record<string, unknown> = TINY_VT_FPN) {
  return {
    type: 'segmentation',
    backbone: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 8] },
    neck,
    head: { type: 'semantic-fpn', convDims: 8, groups: 2 },
    numClasses: 11,
    inChans: 1,
    imgSize: [32, 32],
  };
}

export interface TinySegmentationOptions {
  seed?: number;
  neck?: Record<string, unknown>;
  train?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

/** A segmentation spec for the tiny segmenter (backend 'keep': the test selects it), SGD at a constant rate, to `outDir`. */
export function tinySegmentationSpec(outDir: string, o: TinySegmentationOptions = {}) {
  return {
    task: 'segmentation',
    seed: o.seed ?? 1,
    backend: 'keep',
    model: tinySegmenter(o.neck),
    data: { type: 'mnist-segmentation', size: 32, trainLength: 16, testLength: 4, digits: [1, 2], batchSize: 4, ...o.data },
    train: {
      epochs: 2,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
      schedule: { type: 'constant' },
      logEvery: 1,
      outDir,
      ...o.train,
    },
    report: { images: 2 },
  };
}
