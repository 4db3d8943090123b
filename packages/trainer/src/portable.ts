// What the trainer offers in Node and in browsers alike; `index.ts` (Node) and `browser.ts` re-export it.
export {
  registerTrainerComponents,
  adamwComponent,
  sgdComponent,
  cosineComponent,
  constantComponent,
  stepComponent,
  crossEntropyComponent,
  softTargetComponent,
  pixelCrossEntropyComponent,
} from './components';
export type { OptimizerFactory, ScheduleFactory, ScheduleContext } from './components';
export { Optimizer } from './optim/optimizer';
export type { OptimParam, OptimizerState } from './optim/optimizer';
export { AdamW } from './optim/adamw';
export type { AdamWOptions } from './optim/adamw';
export { SGD } from './optim/sgd';
export type { SGDOptions } from './optim/sgd';
export { cosineSchedule, constantSchedule, stepSchedule } from './optim/schedule';
export type { LrSchedule, CosineOptions } from './optim/schedule';
export { clipGradNorm, globalNorm } from './optim/clip';
export { WeightEma } from './optim/ema';
export { paramDecays, trainableParams } from './optim/trainable-params';
export { crossEntropy, softTargetCrossEntropy, softTargetLoss, distillationLoss } from './loss/losses';
export type { LossFn, LossTargets, DistillationOptions } from './loss/losses';
export { correctPredictions } from './loss/correct-predictions';
export { ClassificationMetrics } from './metrics';
export type { EvalResult, PerClass } from './metrics';
export { evaluateModel } from './evaluate';
export { batchGradients } from './loop/batch-gradients';
export type { BatchGradients, BatchObjective } from './loop/batch-gradients';
export { fitBatches } from './loop/fit-batches';
export type { FitBatchesOptions, FitBatchesResult } from './loop/fit-batches';
export { InMemoryBatches } from './loop/in-memory-batches';
export type { InMemoryData, InMemoryBatchOptions } from './loop/in-memory-batches';
export type { StepStats } from './loop/hooks';
export type { BatchSource } from './loop/batch-source';
export type { TrainableModel, TaskBatch } from './task/trainable';
