import type { ImageClassifier, SegmentationModel } from '@vitkit/core';
import { onnx } from 'onnx-proto';
import { ExportContext } from './context';
import { defaultEmitters } from './emitters';
import { OPSET } from './graph';
import { defaultPreprocessing, Preprocessing, preprocessingMetadata } from './preprocessing';
import { OnnxEmitters, OnnxPlugin } from './registry';
import { checkModel } from './check';

export interface ExportOnnxOptions {
  /** Emitters of third-party modules (first-party ones are always there). */
  plugins?: OnnxPlugin[];
  /** Overrides of the preprocessing written to `metadata_props` (default: the family's reference evaluation). */
  preprocessing?: Partial<Preprocessing>;
  /** Further `metadata_props` entries (the CLI writes the spec as `vitkit.spec`). */
  metadata?: Record<string, string>;
  /** Graph and producer naming. */
  graphName?: string;
  producerVersion?: string;
}

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'logits';

/** What exports: an image classifier, or a segmentation model (`type: "segmentation"`). */
export type ExportableModel = ImageClassifier | SegmentationModel;

/** Whether the model gives per-pixel logits (a segmentation model: it has a neck and a seg head). */
export function isSegmentationModel(model: ExportableModel): model is SegmentationModel {
  return 'segHead' in model && 'neck' in model;
}

/**
 * Exports an image classifier to an ONNX model (opset 17, IR 8): input `input` float32 `[batch, H, W, C]` (NHWC,
 * as vitkit models take it; `batch` is dynamic), output `logits` `[batch, numClasses]`; for a segmentation model,
 * per-pixel `logits` `[batch, H, W, numClasses]` (NHWC, as its forward gives them). The graph is the eval-mode
 * forward pass (dropouts are identities, BatchNorm uses its running statistics) with the current weights, whatever
 * mode the model is in. Parameters keep their state-dict names as initializer names.
 * Throws `OnnxExportError` naming the module path and class of the first module without an emitter.
 */
export function exportOnnx(model: ExportableModel, options: ExportOnnxOptions = {}): Uint8Array {
  const emitters = defaultEmitters();
  for (const p of options.plugins ?? []) emitters.use(p);
  return onnx.ModelProto.encode(buildModelProto(model, emitters, options)).finish();
}

export function buildModelProto(model: ExportableModel, emitters: OnnxEmitters, options: ExportOnnxOptions = {}): onnx.IModelProto {
  const ctx = new ExportContext(emitters, model);
  const [h, w] = model.config.inputSize;
  ctx.fresh(INPUT_NAME);
  ctx.fresh(OUTPUT_NAME); // reserved: no emitter's value takes the graph's input or output name
  const [result] = ctx.emit(model, [INPUT_NAME]);
  ctx.nodes.push({ name: 'node:logits', opType: 'Identity', input: [result], output: [OUTPUT_NAME] });
  const preprocessing = { ...defaultPreprocessing(model), ...options.preprocessing };
  const metadata = { ...preprocessingMetadata(preprocessing), 'vitkit.model': model.constructor.name, ...options.metadata };
  const proto: onnx.IModelProto = {
    irVersion: onnx.Version.IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'vitkit',
    producerVersion: options.producerVersion ?? '0.1.0',
    graph: {
      name: options.graphName ?? model.constructor.name,
      node: ctx.nodes,
      initializer: ctx.initializers,
      input: [floatValue(INPUT_NAME, ['batch', h, w, model.config.inChans])],
      output: [floatValue(OUTPUT_NAME, outputDims(model))],
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  checkModel(proto);
  return proto;
}

function outputDims(model: ExportableModel): Array<number | string> {
  if (isSegmentationModel(model)) return ['batch', ...model.config.inputSize, model.config.numClasses];
  // numClasses 0 (an Identity head, timm's features-only model) outputs the pooled features: width left symbolic
  return ['batch', model.config.numClasses > 0 ? model.config.numClasses : 'features'];
}

function floatValue(name: string, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}
