import type { VitkitPlugin } from '@vitkit/core';
import { trainerPlugin } from './components';

/** Registers the trainer's optimizers ('adamw', 'sgd'), schedules ('cosine', 'constant', 'step') and losses. */
export const plugin: VitkitPlugin = trainerPlugin;

export * from './portable';
export { saveCheckpoint, loadCheckpoint, serializeCheckpoint, readWeights, CheckpointError, CHECKPOINT_FORMAT } from './checkpoint';
export type { Checkpoint, CheckpointMeta } from './checkpoint';
export { trainSpecSchema, parseTrainSpec, loadTrainSpec, isSegmentationSpec } from './spec';
export type { TrainSpec, ClassificationTrainSpec, LoadedSpec } from './spec';
export { trainSectionShape } from './train-section';
export { assembleRun, assembleReplica, buildSeededModel } from './run-assembly';
export type { RunParts, AssemblyOptions } from './run-assembly';
export { runRegistry, prepareBackend, ensureWasmKernels } from './run-registry';
export type { RunRegistryOptions } from './run-registry';
export { classificationTask } from './task/classification';
export { taskOf } from './task/tasks';
export type { TrainingTask, BatchLoss, TaskEvaluation, EvalPair, TaskEvaluateOptions, TaskReportInput } from './task/task';
export { train } from './train';
export { launchTorchTraining, torchrunArgs, writeTorchReport, TorchEngineError } from './torch-engine';
export type { TorchLaunchOptions } from './torch-engine';
export { defaultDataFactory } from './data';
export type { DataFactory, RunData } from './data';
export { Trainer } from './trainer';
export { DivergenceGuard, DivergenceError, NonFiniteLossError, DEFAULT_DIVERGENCE } from './divergence';
export type { DivergenceOptions, StepVerdict, CheckpointRecord } from './divergence';
export { removeStaleTempFiles } from './stale-temp-files';
export { OutputWriteError } from './output-write-error';
export type { TrainerOptions, TrainResult, TrainResultBase } from './trainer';
export { renderReport, lineChart } from './report';
export type { MetricRecord, ReportInput } from './report';
export { ProgressBar, formatDuration } from './progress';
export { predictWithPreset, evalTransformImage } from './predict-preset';
export type { PresetPredictOptions, PresetPredictResult, ImagePrediction } from './predict-preset';
export * from './segmentation';
