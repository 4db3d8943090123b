import { selectBackend } from '@vitkit/core';
import { commonOptions, defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatEvaluation } from '../format-eval';
import { loadTrainedModel } from '../load-weights';
import { engineOption, openEngine, openSegmentationEngine, parseEngine } from '../onnx-package';
import { createRunRegistry } from '../run-setup';
import { evalSegmentation } from '../segmentation';
import { trainerPackage } from '../trainer-packages';

export const evalCommand = defineCommand({
  summary: "evaluate weights on a spec's test data",
  usage: '--spec <file.json> --weights <file.safetensors> [options]',
  details: 'Weights are a plain safetensors state dict or a training checkpoint. Prints top-1, top-5, per-class accuracy and\nthe confusion matrix (the validation set when the spec has no test set).',
  options: {
    spec: { type: 'string', value: '<file.json>', help: 'training spec (JSON)', required: true },
    weights: { type: 'string', value: '<file>', help: 'weights or checkpoint', required: true },
    backend: commonOptions.specBackend,
    engine: engineOption,
    json: { type: 'boolean', help: 'print one JSON object on stdout (top1, top5, loss, count, perClass, confusion)' },
  },
  async run({ values }) {
    const engine = parseEngine(values.engine);
    const trainer = trainerPackage();
    const loaded = await trainer.loadTrainSpec(values.spec!);
    // the emitters of the spec's plugins, for --engine onnxruntime
    const onnxPlugins = (loaded.spec.plugins ?? []).map((id) => ({ id, dir: loaded.dir }));
    const registry = createRunRegistry({ use: [trainer.plugin], spec: { ids: loaded.spec.plugins, dir: loaded.dir } });
    await selectBackend({ flag: values.backend, spec: loaded.spec.backend, specPath: loaded.file ? `${loaded.file}: backend` : 'backend', quiet: values.json });
    if (loaded.spec.task === 'segmentation') {
      const r = await evalSegmentation(trainer, values.spec!, registry, values.weights!, (model) => openSegmentationEngine(engine, model, onnxPlugins));
      process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `test mIoU: ${((r.mIoU as number) * 100).toFixed(2)}% (pixel accuracy ${((r.pixelAccuracy as number) * 100).toFixed(2)}%, ${r.images} images)\nper-class IoU: ${(r.perClassIoU as number[]).map((v) => (Number.isFinite(v) ? (v * 100).toFixed(1) : '-')).join(' ')}\n`);
      return EXIT.ok;
    }
    const { model } = await loadTrainedModel(trainer, loaded, registry, values.weights!);
    const served = await openEngine(engine, model, onnxPlugins).catch((e) => {
      model.dispose();
      throw e;
    });
    try {
      const data = await trainer.defaultDataFactory({ registry, spec: loaded.spec, dir: loaded.dir });
      const bar = values.json ? undefined : new trainer.ProgressBar(process.stderr);
      const r = await trainer.evaluateModel(model, data.test ?? data.evaluation, data.numClasses, {
        classNames: data.classNames,
        forward: served.forward,
        onBatch: (done, total) => bar?.update('eval', done, total, { loss: NaN, acc: NaN, imagesPerSecond: NaN, lr: NaN }, NaN),
      });
      process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : formatEvaluation(r, data.test ? 'test' : 'validation'));
      return EXIT.ok;
    } finally {
      await served.close();
      model.dispose();
    }
  },
});
