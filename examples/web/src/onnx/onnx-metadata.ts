import { timmEvalTransform } from '@vitkit/core';
import type { EvalTransform } from '@vitkit/core';
import { onnx } from 'onnx-proto';

/** What @vitkit/onnx writes into `metadata_props`: how to turn an image into the model's input. */
export interface OnnxPreprocessing {
  inputSize: [number, number];
  mean: number[];
  std: number[];
  interpolation: 'bilinear' | 'bicubic' | 'nearest';
  cropPct: number;
  /** The exporting class (`vitkit.model`), when present. */
  model?: string;
}

function json<T>(props: Map<string, string>, key: string, check: (v: unknown) => v is T, what: string): T {
  const raw = props.get(key);
  if (raw === undefined) throw new Error(`the ONNX file has no ${key} metadata: it was not exported by vitkit (vitkit export), so its preprocessing is unknown`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`the ONNX file's ${key} metadata is not JSON: ${raw.slice(0, 60)}`);
  }
  if (!check(value)) throw new Error(`the ONNX file's ${key} metadata is not ${what}: ${raw.slice(0, 60)}`);
  return value;
}

const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
const size = (v: unknown): v is [number, number] => numbers(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x > 0);
const interpolations = ['bilinear', 'bicubic', 'nearest'] as const;

/** The preprocessing recorded in an ONNX model exported by vitkit; a file from elsewhere gets an error saying so. */
export function readOnnxPreprocessing(bytes: Uint8Array): OnnxPreprocessing {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`not an ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
  const props = new Map(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
  const interpolation = props.get('vitkit.interpolation');
  if (!interpolations.includes(interpolation as (typeof interpolations)[number])) {
    throw new Error(`the ONNX file's vitkit.interpolation metadata is ${JSON.stringify(interpolation)}; expected one of ${interpolations.join(', ')}`);
  }
  const cropPct = Number(props.get('vitkit.crop_pct'));
  if (!(cropPct > 0 && cropPct <= 1)) throw new Error(`the ONNX file's vitkit.crop_pct metadata is ${JSON.stringify(props.get('vitkit.crop_pct'))}; expected a number in (0, 1]`);
  if (props.get('vitkit.input_layout') !== 'NHWC') throw new Error(`the ONNX file's input layout is ${JSON.stringify(props.get('vitkit.input_layout'))}; this page feeds NHWC`);
  const mean = json(props, 'vitkit.mean', numbers, 'a list of numbers');
  const std = json(props, 'vitkit.std', numbers, 'a list of numbers');
  if (mean.length !== std.length) throw new Error(`the ONNX file's vitkit.mean has ${mean.length} channels and vitkit.std ${std.length}`);
  return {
    inputSize: json(props, 'vitkit.input_size', size, 'a [height, width] pair'),
    mean,
    std,
    interpolation: interpolation as OnnxPreprocessing['interpolation'],
    cropPct,
    model: props.get('vitkit.model'),
  };
}

/** The eval transform the file's metadata describes, in the form core's `imageToInput` takes. */
export function transformOf(p: OnnxPreprocessing): EvalTransform {
  const [h, w] = p.inputSize;
  if (h !== w) throw new Error(`the model takes ${h}×${w} images; this tab feeds square center crops`);
  if (p.interpolation === 'nearest') throw new Error('the model asks for nearest-neighbour resizing; this tab resizes bilinearly or bicubically');
  if (p.mean.length !== 3) throw new Error(`the model takes ${p.mean.length}-channel images; this tab feeds RGB`);
  return { ...timmEvalTransform(h, p.cropPct, p.interpolation), mean: [p.mean[0], p.mean[1], p.mean[2]], std: [p.std[0], p.std[1], p.std[2]] };
}
