// The segmentation spec (`"task": "segmentation"`): a segmenter model, an image + mask dataset and the `train` section
// every task shares (optimizer, schedule, EMA, clipping, checkpoints; the default loss is per-pixel cross-entropy).
import { s } from '@vitkit/core';
import type { SchemaType } from '@vitkit/core';
import { runSettingsShape, trainSectionShape } from '../train-section';

const dataSchema = s.object({
  type: s.enum(['mnist-segmentation', 'mask-folder'] as const),
  /** mnist-segmentation: canvas side, images per split, digits per image, the seed that composes the images. */
  size: s.default(s.int({ min: 28 }), 64),
  trainLength: s.default(s.int({ min: 1 }), 2000),
  testLength: s.default(s.int({ min: 1 }), 300),
  digits: s.optional(s.array(s.int({ min: 1 }), { length: 2 })),
  seed: s.default(s.int({ min: 0 }), 0),
  /** mask-folder: root (relative to the spec's folder) with train/ and test/ splits, and the number of classes. */
  dir: s.optional(s.string()),
  numClasses: s.optional(s.int({ min: 1 })),
  imageSize: s.optional(s.array(s.int({ min: 1 }), { length: 2 })),
  channels: s.default(s.int({ min: 1, max: 3 }), 3),
  batchSize: s.default(s.int({ min: 1 }), 8),
  evalBatchSize: s.optional(s.int({ min: 1 })),
  /** Random crop (with zero/ignore padding) and horizontal flip, applied to image and mask alike. */
  cropPadding: s.default(s.int({ min: 0 }), 0),
  flip: s.default(s.boolean(), false),
});

export const segmentationTrainSpecSchema = s.object({
  ...runSettingsShape,
  task: s.enum(['segmentation'] as const),
  model: s.component('segmenter'),
  data: dataSchema,
  train: s.object(trainSectionShape('pixel-cross-entropy')),
  /** report.html: how many test images to show with their predicted masks. */
  report: s.default(s.object({ images: s.default(s.int({ min: 0 }), 4) }), { images: 4 }),
});

/** A validated segmentation spec, defaults filled in. */
export type SegmentationTrainSpec = SchemaType<typeof segmentationTrainSpecSchema>;
