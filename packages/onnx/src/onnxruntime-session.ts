import { tf } from '@vitkit/core';
import type * as Ort from 'onnxruntime-node';
import { INPUT_NAME, OUTPUT_NAME } from './export';

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
export function loadOnnxRuntime(): typeof Ort {
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

/** The output of one run: the `logits` values (float32) and their dims. */
export interface OnnxRuntimeOutput {
  data: Float32Array;
  dims: number[];
}

/**
 * One onnxruntime-node session on an exported vitkit model (input `input` NHWC, output `logits`); the classifier and
 * segmenter wrappers shape its output into tfjs tensors.
 */
export abstract class OnnxRuntimeSession {
  protected constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
  ) {}

  protected static async open(bytes: Uint8Array, options: OnnxRuntimeOptions): Promise<{ ort: typeof Ort; session: Ort.InferenceSession }> {
    const ort = loadOnnxRuntime();
    const session = await ort.InferenceSession.create(bytes, options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {});
    return { ort, session };
  }

  /** Runs the session on an NHWC batch; the tfjs tensor is read, not disposed. */
  protected async runRaw(x: tf.Tensor4D): Promise<OnnxRuntimeOutput> {
    const input = new this.ort.Tensor('float32', Float32Array.from(await x.data()), x.shape);
    const out = (await this.session.run({ [INPUT_NAME]: input }))[OUTPUT_NAME];
    return { data: out.data as Float32Array, dims: out.dims.map(Number) };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
