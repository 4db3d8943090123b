import type { LoaderPosition } from '@vitkit/data';
import type { TaskBatch } from '../task/trainable';

/** The loader surface the trainer uses (`DataLoader` from @vitkit/data and the segmentation loader satisfy it). */
export interface BatchSource {
  readonly batchesPerEpoch: number;
  iterate(from: LoaderPosition): AsyncGenerator<TaskBatch & { position?: LoaderPosition }>;
}
