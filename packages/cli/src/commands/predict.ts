import { selectBackend, tf } from '@vitkit/core';
import { commonOptions, defineCommand } from '../command';
import { inferenceInfo, specEvalImageReader } from '../eval-input';
import { EXIT, UsageError } from '../exit-codes';
import { loadTrainedModel } from '../load-weights';
import { engineOption, openEngine, openSegmentationEngine, parseEngine } from '../onnx-package';
import { createRunRegistry } from '../run-setup';
import { predictSegmentation } from '../segmentation';
import { dataPackage, trainerPackage } from '../trainer-packages';

interface Prediction {
  file: string;
  top: Array<{ label: string; class: number; probability: number }>;
}

function printPredictions(results: readonly Prediction[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  for (const r of results) {
    process.stdout.write(`${r.file}\n${r.top.map((t) => `  ${(t.probability * 100).toFixed(2).padStart(6)}%  ${t.label}`).join('\n')}\n`);
  }
}

export const predictCommand = defineCommand({
  summary: 'top-k labels for image files',
  usage: '(--spec <file.json> | --preset <name>) --weights <file> [options] <images...>',
  details:
    "Each image (PNG, JPEG, ...) goes the evaluation path: decoded at the dataset's size, the spec's eval transforms,\nnormalised. With --preset, the preset's published weights are expected (`vitkit list --json` shows them): their\nofficial eval transform (resize, crop, interpolation, mean/std) is applied and the ImageNet-1k class names printed.",
  positionals: { name: '<images...>', help: 'image files', min: 1 },
  options: {
    spec: { type: 'string', value: '<file.json>', help: 'training spec (JSON); or --preset' },
    preset: { type: 'string', value: '<name>', help: 'a preset with published weights (t2t_vit_14, crossvit_9_240, resnet50, ...)' },
    weights: { type: 'string', value: '<file>', help: 'weights or checkpoint: safetensors, .pth, .pth.tar', required: true },
    top: { type: 'string', value: '<k>', help: 'how many labels per image (default 5)' },
    backend: commonOptions.specBackend,
    engine: engineOption,
    out: { type: 'string', value: '<dir>', help: 'segmentation specs: folder for the coloured masks (default: next to each image)' },
    json: { type: 'boolean', help: 'print one JSON array on stdout: per image its file and top labels (or mask file)' },
  },
  async run({ values, positionals: images }) {
    const engine = parseEngine(values.engine);
    const top = values.top === undefined ? 5 : Number(values.top);
    if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got ${values.top}`);
    const trainer = trainerPackage();
    if (values.preset !== undefined) {
      if (values.spec !== undefined) throw new UsageError('give --spec or --preset, not both');
      await selectBackend({ flag: values.backend, quiet: values.json });
      const { predictions } = await trainer.predictWithPreset({ preset: values.preset, weights: values.weights!, images, top, registry: createRunRegistry() });
      printPredictions(predictions, !!values.json);
      return EXIT.ok;
    }
    if (values.spec === undefined) throw new UsageError('--spec <file.json> or --preset <name> is required');
    const data = dataPackage();
    const loaded = await trainer.loadTrainSpec(values.spec!);
    // the emitters of the spec's plugins, for --engine onnxruntime
    const onnxPlugins = (loaded.spec.plugins ?? []).map((id) => ({ id, dir: loaded.dir }));
    const registry = createRunRegistry({ use: [trainer.plugin, data.plugin], spec: { ids: loaded.spec.plugins, dir: loaded.dir } });
    await selectBackend({ flag: values.backend, spec: loaded.spec.backend, specPath: loaded.file ? `${loaded.file}: backend` : 'backend', quiet: values.json });
    if (loaded.spec.task === 'segmentation') {
      const masks = await predictSegmentation(trainer, data, values.spec, registry, values.weights!, images, values.out, (model) => openSegmentationEngine(engine, model, onnxPlugins));
      process.stdout.write(values.json ? `${JSON.stringify(masks)}\n` : masks.map((m) => `${m.file} → ${m.mask}\n`).join(''));
      return EXIT.ok;
    }
    const { model, metadata } = await loadTrainedModel(trainer, loaded, registry, values.weights!);
    const served = await openEngine(engine, model, onnxPlugins).catch((e) => {
      model.dispose();
      throw e;
    });
    try {
      const info = await inferenceInfo(trainer, loaded, registry, metadata);
      const readImage = specEvalImageReader(data, registry, loaded.spec.data.evalTransforms, model, info);
      const { numClasses } = model.config;
      const results: Prediction[] = [];
      for (const file of images) {
        const img = await readImage(file);
        const x = tf.tensor4d(img.data, [1, img.height, img.width, img.channels]);
        const logits = served.forward ? await served.forward(x) : tf.tidy(() => model.forward(x));
        const probs = tf.softmax(logits);
        tf.dispose([x, logits]);
        const p = (await probs.data()) as Float32Array;
        probs.dispose();
        const order = [...Array(numClasses).keys()].sort((a, b) => p[b] - p[a]).slice(0, top);
        results.push({ file, top: order.map((c) => ({ label: info.classNames[c] ?? String(c), class: c, probability: p[c] })) });
      }
      printPredictions(results, !!values.json);
      return EXIT.ok;
    } finally {
      await served.close();
      model.dispose();
    }
  },
});
