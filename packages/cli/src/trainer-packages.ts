import type * as Data from '@vitkit/data';
import type * as Trainer from '@vitkit/trainer';
import { requirePackage } from './optional-package';

export type TrainerPackage = typeof Trainer;
export type DataPackage = typeof Data;

/** @vitkit/trainer, loaded only by the commands that need it (a project may install the CLI without it). */
export function trainerPackage(): TrainerPackage {
  return requirePackage<TrainerPackage>('@vitkit/trainer');
}

export function dataPackage(): DataPackage {
  return requirePackage<DataPackage>('@vitkit/data');
}
