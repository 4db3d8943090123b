import { promises as fs } from 'fs';
import * as path from 'path';
import { buildModel, buildSegmenter, loadStateDict, modelSpecKind, readSafetensors, selectBackend } from '@vitkit/core';
import { commonOptions, defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { onnxPackage, onnxPluginsOf } from '../onnx-package';
import { parsePluginsFlag, openModelSpec } from '../run-setup';

export const exportCommand = defineCommand({
  summary: 'export a model with its weights to an ONNX file (for onnxruntime in Node and on the web)',
  usage: '--spec <preset|spec.json> --onnx <model.onnx> [--weights <w.safetensors>] [options]',
  details: `Opset 17, input "input" float32 [batch, H, W, C] (NHWC, as vitkit models take it; batch is dynamic), output
"logits" [batch, classes] (a segmentation model: per-pixel "logits" [batch, H, W, classes]); the preprocessing (input size, mean/std, interpolation, crop) and the model spec are in
the file's metadata_props (vitkit.*). Weights load strictly with the official parameter names; without --weights
the model keeps its random initialisation. A plugin's component exports when the plugin module exports "onnx"
(its emitters); otherwise the error names the component. Needs @vitkit/onnx.`,
  options: {
    spec: { type: 'string', value: '<preset|spec.json>', help: 'the model', required: true },
    onnx: { type: 'string', value: '<model.onnx>', help: 'write the ONNX model here', required: true },
    weights: { type: 'string', value: '<w.safetensors>', help: 'state dict to load (default: random initialisation)' },
    backend: commonOptions.backend,
    plugins: commonOptions.plugins,
  },
  async run({ values }) {
    const onnx = onnxPackage();
    await selectBackend(values.backend ?? 'auto', { quiet: true });
    const { loaded, registry } = await openModelSpec(values.spec!, values.plugins);
    const segmentation = modelSpecKind(registry, loaded.spec.model) === 'segmenter';
    const model = segmentation ? buildSegmenter(registry, loaded.spec.model, 'model') : buildModel(registry, loaded.spec.model, 'model');
    try {
      if (values.weights) {
        const file = path.resolve(values.weights);
        loadStateDict(model, (await readSafetensors(file)).tensors, { strict: true, source: file });
      } else {
        process.stderr.write('vitkit export: no --weights, exporting the random initialisation\n');
      }
      const plugins = [
        ...(loaded.spec.plugins ?? []).map((id) => ({ id, dir: loaded.baseDir })),
        ...parsePluginsFlag(values.plugins).map((id) => ({ id, dir: process.cwd() })),
      ];
      const bytes = onnx.exportOnnx(model.eval(), { plugins: onnxPluginsOf(onnx, plugins), metadata: { 'vitkit.spec': JSON.stringify(loaded.spec.model) } });
      await fs.writeFile(values.onnx!, bytes);
      const [h, w] = model.config.inputSize;
      const logits = segmentation ? `[batch, ${h}, ${w}, ${model.config.numClasses}] per pixel` : `[batch, ${model.config.numClasses}]`;
      process.stderr.write(`wrote ${values.onnx} (${(bytes.length / 1e6).toFixed(2)} MB): input [batch, ${h}, ${w}, ${model.config.inChans}] NHWC → logits ${logits}\n`);
      return EXIT.ok;
    } finally {
      model.dispose();
    }
  },
});
