import { segmentationTask } from '../segmentation/task';
import type { TrainSpec } from '../spec';
import { classificationTask } from './classification';
import type { TrainingTask } from './task';

const TASKS: Record<TrainSpec['task'], TrainingTask> = {
  classification: classificationTask as unknown as TrainingTask,
  segmentation: segmentationTask as unknown as TrainingTask,
};

/** The task a validated spec trains (`spec.task`). */
export function taskOf(spec: TrainSpec): TrainingTask {
  return TASKS[spec.task];
}
