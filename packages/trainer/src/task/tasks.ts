import { segmentationTask } from '../segmentation/task';
import type { TrainSpec } from '../spec';
import { classificationTask } from './classification';
import type { TrainingTask } from './task';

// Each task is typed with its own evaluation (top-1/top-5, mIoU); the trainer holds whichever the spec names and only
// hands a task back the evaluations that task made, so the table widens them to the common TaskEvaluation.
const TASKS: Record<TrainSpec['task'], TrainingTask> = {
  classification: classificationTask as unknown as TrainingTask,
  segmentation: segmentationTask as unknown as TrainingTask,
};

/** The task a validated spec trains (`spec.task`). */
export function taskOf(spec: TrainSpec): TrainingTask {
  return TASKS[spec.task];
}
