import type { ImageClassifier } from '@vitkit/core';
import { tf } from '@vitkit/core';
import { exportOnnx, ExportOnnxOptions } from './export';
import { loadOnnxRuntime, OnnxRuntimeOptions, OnnxRuntimeSession } from './onnxruntime-session';

export { OnnxRuntimeMissingError, ONNXRUNTIME_INSTALL } from './onnxruntime-session';
export type { OnnxRuntimeOptions } from './onnxruntime-session';

/**
 * An exported classifier served by onnxruntime-node: `run(x)` takes an NHWC batch (a tfjs tensor) and resolves to the
 * logits `[batch, numClasses]` as a tfjs tensor, so it plugs into vitkit's evaluation and prediction code in place of
 * `model.forward`.
 */
export class OnnxRuntimeClassifier extends OnnxRuntimeSession {
  /** A session on an ONNX file's bytes. */
  static async fromBytes(bytes: Uint8Array, options: OnnxRuntimeOptions = {}): Promise<OnnxRuntimeClassifier> {
    const { ort, session } = await OnnxRuntimeSession.open(bytes, options);
    return new OnnxRuntimeClassifier(ort, session);
  }

  /** Exports `model` (current weights, eval mode) and opens a session on it. */
  static async fromModel(model: ImageClassifier, options: OnnxRuntimeOptions & ExportOnnxOptions = {}): Promise<OnnxRuntimeClassifier> {
    loadOnnxRuntime(); // fail on the missing runtime before spending time on the export
    return OnnxRuntimeClassifier.fromBytes(exportOnnx(model, options), options);
  }

  async run(x: tf.Tensor4D): Promise<tf.Tensor2D> {
    const out = await this.runRaw(x);
    if (out.dims.length !== 2) throw new Error(`OnnxRuntimeClassifier: the model's output "logits" has dims [${out.dims.join(', ')}], expected [batch, numClasses]`);
    const [b, c] = out.dims;
    return tf.tensor2d(out.data, [b, c]);
  }
}
