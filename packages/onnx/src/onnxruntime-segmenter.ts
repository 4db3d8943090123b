import type { SegmentationModel } from '@vitkit/core';
import { tf } from '@vitkit/core';
import { exportOnnx, ExportOnnxOptions } from './export';
import { loadOnnxRuntime, OnnxRuntimeOptions, OnnxRuntimeSession } from './onnxruntime-session';

/**
 * An exported segmentation model served by onnxruntime-node: `run(x)` takes an NHWC batch and resolves to the
 * per-pixel logits `[batch, H, W, numClasses]` (the layout of `SegmentationModel.forward`), so vitkit's mask
 * prediction and mIoU evaluation take it in place of the model's forward pass.
 */
export class OnnxRuntimeSegmenter extends OnnxRuntimeSession {
  /** A session on an ONNX file's bytes (a segmentation model exported by `exportOnnx`). */
  static async fromBytes(bytes: Uint8Array, options: OnnxRuntimeOptions = {}): Promise<OnnxRuntimeSegmenter> {
    const { ort, session } = await OnnxRuntimeSession.open(bytes, options);
    return new OnnxRuntimeSegmenter(ort, session);
  }

  /** Exports `model` (current weights, eval mode) and opens a session on it. */
  static async fromModel(model: SegmentationModel, options: OnnxRuntimeOptions & ExportOnnxOptions = {}): Promise<OnnxRuntimeSegmenter> {
    loadOnnxRuntime(); // fail on the missing runtime before spending time on the export
    return OnnxRuntimeSegmenter.fromBytes(exportOnnx(model, options), options);
  }

  async run(x: tf.Tensor4D): Promise<tf.Tensor4D> {
    const out = await this.runRaw(x);
    if (out.dims.length !== 4) throw new Error(`OnnxRuntimeSegmenter: the model's output "logits" has dims [${out.dims.join(', ')}], expected [batch, H, W, numClasses]`);
    const [b, h, w, c] = out.dims;
    return tf.tensor4d(out.data, [b, h, w, c]);
  }
}
