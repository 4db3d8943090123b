import type { ImageClassifier } from '@vitkit/core';
import { tf } from '@vitkit/core';
import type * as Ort from 'onnxruntime-node';
import { exportOnnx, ExportOnnxOptions, INPUT_NAME, OUTPUT_NAME } from './export';

/** The install line for onnxruntime-node offline (its postinstall otherwise downloads CUDA providers from nuget). */
export const ONNXRUNTIME_INSTALL = 'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node';

/** onnxruntime-node is an optional peer; this is what a caller sees when it is not installed. */
export class OnnxRuntimeMissingError extends Error {
  constructor() {
    super(`onnxruntime-node is not installed; install it with: ${ONNXRUNTIME_INSTALL}`);
    this.name = 'OnnxRuntimeMissingError';
  }
}

/** Loads onnxruntime-node, or throws `OnnxRuntimeMissingError` with the exact install line. */
function loadOnnxRuntime(): typeof Ort {
  try {
    return require('onnxruntime-node') as typeof Ort;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes("'onnxruntime-node'")) throw new OnnxRuntimeMissingError();
    throw e;
  }
}

export interface OnnxRuntimeOptions {
  /** Intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
}

/**
 * An exported model served by onnxruntime-node: `run(x)` takes an NHWC batch (a tfjs tensor) and resolves to the
 * logits as a tfjs tensor, so it plugs into vitkit's evaluation and prediction code in place of `model.forward`.
 */
export class OnnxRuntimeClassifier {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
  ) {}

  /** A session on an ONNX file's bytes. */
  static async fromBytes(bytes: Uint8Array, options: OnnxRuntimeOptions = {}): Promise<OnnxRuntimeClassifier> {
    const ort = loadOnnxRuntime();
    const session = await ort.InferenceSession.create(bytes, options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {});
    return new OnnxRuntimeClassifier(ort, session);
  }

  /** Exports `model` (current weights, eval mode) and opens a session on it. */
  static async fromModel(model: ImageClassifier, options: OnnxRuntimeOptions & ExportOnnxOptions = {}): Promise<OnnxRuntimeClassifier> {
    loadOnnxRuntime(); // fail on the missing runtime before spending time on the export
    return OnnxRuntimeClassifier.fromBytes(exportOnnx(model, options), options);
  }

  async run(x: tf.Tensor4D): Promise<tf.Tensor2D> {
    const input = new this.ort.Tensor('float32', Float32Array.from(await x.data()), x.shape);
    const out = (await this.session.run({ [INPUT_NAME]: input }))[OUTPUT_NAME];
    const [b, c] = out.dims as number[];
    return tf.tensor2d(out.data as Float32Array, [b, c]);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
