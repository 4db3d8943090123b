// The API that runs in Node and in browsers alike. `index.ts` (Node) and `browser.ts` add what is platform-specific.
// tsyringe needs the Reflect metadata polyfill before any container is touched; core owns it so users need not.
import 'reflect-metadata';

export { tf } from './tf';
export type { Tensor, Rank } from './tf';

// tsyringe, re-exported so plugins share core's single copy and container.
export { container, injectable, inject, singleton, registry as tsyringeRegistry } from 'tsyringe';
export type { DependencyContainer, InjectionToken } from 'tsyringe';

export { Module, ModuleList } from './nn/module';
export { ParameterList } from './nn/parameter-list';
export type { ParameterCount } from './nn/module';
export { Parameter, toTorchShape } from './nn/parameter';
export type { ParameterLayout, ParameterOptions } from './nn/parameter';
export { Layer, Sequential, Identity } from './nn/layer';
export { Linear } from './nn/linear';
export type { LinearOptions } from './nn/linear';
export { LayerNorm } from './nn/layer-norm';
export { GroupNorm } from './nn/group-norm';
export { layerNorm } from './ops/layer-norm';
export { batchNormTraining } from './ops/batch-norm';
export { linear } from './ops/linear';
export { residualAdd } from './ops/residual-add';
export { conv2d } from './ops/conv2d';
export { relu } from './ops/relu';
export { dropout } from './ops/dropout';
export { unfold, canUnfold } from './ops/unfold';
export { releaseSaved } from './ops/release-saved';
export type { BatchNormTraining } from './ops/batch-norm';
export { Conv2d } from './nn/conv2d';
export type { Conv2dOptions } from './nn/conv2d';
export { BatchNorm2d } from './nn/batch-norm';
export type { BatchNormOptions } from './nn/batch-norm';
export { GELU, ReLU, gelu } from './nn/activations';
export { Dropout, DropPath } from './nn/dropout';
export { Attention, scaledDotProductAttention, selfAttentionFromQkv, splitHeads, mergeHeads } from './nn/attention';
export type { AttentionOptions } from './nn/attention';
export { AttentionRecorder } from './nn/attention-recorder';
export type { RecordedAttention } from './nn/attention-recorder';
export { Mlp } from './nn/mlp';
export type { MlpOptions } from './nn/mlp';
export { Block } from './nn/block';
export type { BlockOptions } from './nn/block';
export { sinusoidTable } from './nn/position';
export { resizeBicubic, bicubicMatrix } from './nn/resize';
export * as init from './nn/init';
export type { Initializer } from './nn/init';
export { manualSeed, random, nextSeed, getRngState, setRngState } from './nn/rng';

export { MacCounter, countMacs, reportMacs } from './ops/macs';

export { parseSafetensors, serializeSafetensors, SafetensorsError } from './io/safetensors-format';
export type { HostTensor, TensorMap } from './io/safetensors-format';
export { stateDict, loadStateDict, StateDictError } from './io/state-dict';
export { parseWeights } from './io/parse-weights';
export type { ReadWeightsOptions, WeightsFile, WeightsFormat } from './io/parse-weights';
export { parsePth } from './io/pth/read-pth';
export type { PthContents } from './io/pth/read-pth';
export { checkpointWeights } from './io/pth/checkpoint-layout';
export type { CheckpointWeights, WeightsChoice } from './io/pth/checkpoint-layout';
export { PthError } from './io/pth/pth-error';
export { loadPretrained, describePretrained, PretrainedError } from './io/finetune/load-pretrained';
export type { PretrainedOptions, PretrainedReport } from './io/finetune/load-pretrained';
export { FINETUNE_LAYOUTS, DEFAULT_FINETUNE_LAYOUT, finetuneLayout } from './io/finetune/layouts';
export type { FinetuneLayout } from './io/finetune/layouts';
export { resizePosEmbedTo } from './io/finetune/resize-pos-embed';
export type { LoadOptions, LoadResult, StateDictAdapter } from './io/state-dict';

export { Tokenizer, Fusion, ImageClassifier } from './models/contracts';
export type { ImageModelConfig, FeatureMapTokenizer, FeaturePyramidBackbone } from './models/contracts';
export { CORE_KIND_CONTRACTS, FEATURE_MAP_TOKENIZER, FEATURE_PYRAMID_BACKBONE, memberContract } from './registry/kinds';
export type {
  ComponentKinds,
  KnownKind,
  KindContract,
  Head,
  Neck,
  SegHead,
  SegmentationModel,
  DatasetComponent,
  TransformComponent,
  BatchTransformComponent,
  OptimizerComponent,
  ScheduleComponent,
  LossComponent,
} from './registry/kinds';
export { createLinearHead, linearHead } from './heads/linear-head';
export type { LinearHeadOptions } from './heads/linear-head';
export { Classifier } from './models/classifier';

export { s, validate } from './spec/schema';
export type { Schema, SchemaType, InferShape, NumberConstraints, ParseContext } from './spec/schema';
export { SpecError, describeValue } from './spec/errors';
export type { SpecIssue } from './spec/errors';
export { buildModel, buildSegmenter, modelSpecKind, resolveModelSpec, mergeSpec, modelSpecSchema } from './spec/model-spec';
export { splitPretrained } from './spec/split-pretrained';
export type { PretrainedSpec } from './spec/split-pretrained';
export type { ModelSpec } from './spec/model-spec';

export { Registry, BUILD_CONTEXT, ContractError, globToRegExp } from './registry/registry';
export type { BuildContext, ComponentDefinition, ComponentKind, ComponentSpec, PresetDefinition, RegistryLike, VitkitPlugin } from './registry/types';
export { corePlugin, registryWithPlugins } from './registry/core-plugin';
export type { CreateRegistryOptions } from './registry/core-plugin';
export { usePlugin } from './registry/use-plugin';
export { PluginLoadError } from './registry/plugin-load-error';

// Engines: selectBackend's order and sources; the wasm kernel pack (@vitkit/wasm-kernels) is found at run time.
export { selectedBackend, UnknownBackendError, describeChoice } from './backend/choose-backend';
export type { SelectBackendOptions, BackendPlatform } from './backend/choose-backend';
export { cpuEngine } from './backend/engine';
export type { BackendChoice, Engine, EngineFailure, EngineStartOptions, WasmKernelPack } from './backend/engine';
export { NO_BACKEND_WARNING } from './backend/implicit-backend';
export { LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL, GELU_KERNEL, GELU_GRAD_KERNEL, ADAMW_KERNEL, BATCH_NORM_KERNEL, BATCH_NORM_GRAD_KERNEL, MHA_KERNEL, MHA_GRAD_KERNEL, DROPOUT_KERNEL, DROPOUT_GRAD_KERNEL, UNFOLD_KERNEL, UNFOLD_GRAD_KERNEL, RELU_GRAD_KERNEL } from './ops/fused';

export { modelInfo } from './models/model-info';
export { IMAGENET_CLASSES } from './models/imagenet-classes';
export { IMAGENET_MEAN, IMAGENET_STD, timmEvalTransform } from './models/pretrained-config';
export type { EvalTransform, PretrainedConfig } from './models/pretrained-config';
export { segmentationInfo, formatSegmentationInfo, countSegmentationMacs, extrapolateSegmentationMacs, extrapolateMacs, countNeckMacs, neckMacs } from './models/segmentation-info';
export type { SegmentationInfo, SegmentationMacs } from './models/segmentation-info';
export type { Report } from './models/report';
export type { ModelInfo } from './models/model-info';
export { loadWeights } from './io/load-weights';
export type { WeightsSource } from './io/load-weights';
export { imageToInput, shorterSideSize } from './models/image-input';
export type { ImageSource } from './models/image-input';
