import * as path from 'path';
import type * as Onnx from '@vitkit/onnx';
import type { ImageClassifier, SegmentationModel, tf } from '@vitkit/core';
import { MissingPackageError, UsageError } from './exit-codes';
import { requireIfInstalled, requirePackage } from './optional-package';

export type OnnxPackage = typeof Onnx;

/** @vitkit/onnx, loaded only by `export` and `--engine onnxruntime`. */
export function onnxPackage(): OnnxPackage {
  return requirePackage<OnnxPackage>('@vitkit/onnx');
}

/** onnxruntime-node missing: exit 2 with the offline install line (its postinstall would download CUDA providers). */
export class MissingOnnxRuntimeError extends MissingPackageError {
  constructor(installLine: string) {
    super('onnxruntime-node');
    this.message = `this command needs onnxruntime-node, which is not installed; install it with: ${installLine}`;
  }
}

/**
 * The ONNX emitters the run's plugins provide (a plugin module's `onnx` export), resolved like `loadPlugins`
 * resolves them: local paths against the spec's folder (or the working directory for `--plugins`), packages by name.
 */
export function onnxPluginsOf(onnx: OnnxPackage, ids: ReadonlyArray<{ id: string; dir: string }>): Onnx.OnnxPlugin[] {
  const out: Onnx.OnnxPlugin[] = [];
  for (const { id, dir } of ids) {
    const local = id.startsWith('.') || path.isAbsolute(id);
    const mod = local ? requireIfInstalled<unknown>(path.resolve(dir, id)) : requireIfInstalled<unknown>(require.resolve(id, { paths: [dir, process.cwd()] }));
    const p = onnx.onnxPluginOf(mod);
    if (p) out.push(p);
  }
  return out;
}

/** `--engine`: tfjs (the model itself) or onnxruntime (the model exported in memory and served by onnxruntime-node). */
export const ENGINES = ['tfjs', 'onnxruntime'] as const;
export type Engine = (typeof ENGINES)[number];

export const engineOption = {
  type: 'string',
  value: '<tfjs|onnxruntime>',
  help: 'inference engine: tfjs (default) or onnxruntime (needs @vitkit/onnx and onnxruntime-node)',
} as const;

export function parseEngine(value: string | undefined): Engine {
  const e = value ?? 'tfjs';
  if (!(ENGINES as readonly string[]).includes(e)) throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}, got "${e}"`);
  return e as Engine;
}

/** A batch → logits function for the engine (none: the model's own forward pass), and what to release after. */
export interface ServedEngine<T extends tf.Tensor> {
  forward?: (x: tf.Tensor4D) => Promise<T>;
  close(): Promise<void>;
}

/** Opens an onnxruntime-node session with `open`; onnxruntime-node missing is exit 2 with the offline install line. */
async function serveOnnx<T extends tf.Tensor>(open: (onnx: OnnxPackage) => Promise<{ run(x: tf.Tensor4D): Promise<T>; release(): Promise<void> }>): Promise<ServedEngine<T>> {
  const onnx = onnxPackage();
  try {
    const session = await open(onnx);
    process.stderr.write('vitkit: engine onnxruntime (onnxruntime-node, model exported to ONNX in memory)\n');
    return { forward: (x) => session.run(x), close: () => session.release() };
  } catch (e) {
    if (e instanceof onnx.OnnxRuntimeMissingError) throw new MissingOnnxRuntimeError(onnx.ONNXRUNTIME_INSTALL);
    throw e;
  }
}

/** The engine for a classifier: its logits `[batch, numClasses]`. */
export async function openEngine(engine: Engine, model: ImageClassifier, plugins: ReadonlyArray<{ id: string; dir: string }>): Promise<ServedEngine<tf.Tensor>> {
  if (engine === 'tfjs') return { close: async () => undefined };
  return serveOnnx((onnx) => onnx.OnnxRuntimeClassifier.fromModel(model, { plugins: onnxPluginsOf(onnx, plugins) }));
}

/** The engine for a segmentation model: its per-pixel logits `[batch, H, W, classes]`. */
export async function openSegmentationEngine(
  engine: Engine,
  model: SegmentationModel,
  plugins: ReadonlyArray<{ id: string; dir: string }>,
): Promise<ServedEngine<tf.Tensor4D>> {
  if (engine === 'tfjs') return { close: async () => undefined };
  return serveOnnx((onnx) => onnx.OnnxRuntimeSegmenter.fromModel(model, { plugins: onnxPluginsOf(onnx, plugins) }));
}
