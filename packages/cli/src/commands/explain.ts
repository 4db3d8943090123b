import * as path from 'path';
import { buildModel, loadStateDict, readWeights, selectBackend } from '@vitkit/core';
import type { ImageClassifier, Registry } from '@vitkit/core';
import type * as Explain from '@vitkit/explain';
import type { ExplainInput } from '@vitkit/explain';
import type * as ExplainNode from '@vitkit/explain/node';
import { commonOptions, defineCommand } from '../command';
import { inferenceInfo, specEvalImageReader } from '../eval-input';
import { EXIT, UsageError } from '../exit-codes';
import { loadTrainedModel } from '../load-weights';
import { requirePackage } from '../optional-package';
import { createRunRegistry } from '../run-setup';
import { dataPackage, trainerPackage, TrainerPackage } from '../trainer-packages';

/** A preset with published weights, loaded strictly, and its official eval transform applied to `image`. */
async function presetInput(trainer: TrainerPackage, registry: Registry, preset: string, weights: string, image: string): Promise<{ model: ImageClassifier; input: ExplainInput }> {
  const cfg = registry.preset(preset)?.pretrained;
  if (!cfg) throw new UsageError(`--preset ${preset}: not a preset with published weights (\`vitkit list --json\` shows which have them)`);
  const file = path.resolve(weights);
  const w = await readWeights(file, { weights: cfg.weights });
  const model = buildModel(registry, { preset, ...cfg.specOverrides });
  try {
    loadStateDict(model, w.tensors, { strict: true, source: file });
    model.eval();
    const [c, h, wd] = cfg.inputSize;
    const data = await trainer.evalTransformImage(image, cfg.eval, c);
    return { model, input: { data, height: h, width: wd, channels: c, mean: cfg.eval.mean, std: cfg.eval.std } };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

export const explainCommand = defineCommand({
  summary: 'attention heatmaps for an image (attention rollout; VT tokenizer attention)',
  usage: '(--spec <file.json> | --preset <name>) --weights <file> --out <file.png> [options] <image>',
  details:
    "Writes one PNG: the image as the model sees it (eval transforms applied) and beside it the attention rollout\n" +
    '(Abnar & Zuidema 2020) of the class token over the patches, one overlay per branch for CrossViT. For VT-ResNet\n' +
    "specs, one row per VT module: each visual token's spatial attention. Needs @vitkit/explain and sharp.",
  positionals: { name: '<image>', help: 'an image file (PNG, JPEG, ...)', min: 1 },
  options: {
    spec: { type: 'string', value: '<file.json>', help: 'training spec (JSON); or --preset' },
    preset: { type: 'string', value: '<name>', help: 'a preset with published weights (t2t_vit_14, crossvit_9_240, ...)' },
    weights: { type: 'string', value: '<file>', help: 'weights or checkpoint: safetensors, .pth, .pth.tar', required: true },
    out: { type: 'string', value: '<file.png>', help: 'the PNG to write', required: true },
    alpha: { type: 'string', value: '<a>', help: 'heatmap opacity over the image, 0..1 (default 0.5)' },
    backend: commonOptions.specBackend,
  },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError(`give one image (got ${positionals.length}); --out names one PNG`);
    const [image] = positionals;
    const alpha = values.alpha === undefined ? 0.5 : Number(values.alpha);
    if (!(alpha >= 0 && alpha <= 1)) throw new UsageError(`--alpha must be a number in [0, 1], got ${values.alpha}`);
    if (values.spec !== undefined && values.preset !== undefined) throw new UsageError('give --spec or --preset, not both');
    if (values.spec === undefined && values.preset === undefined) throw new UsageError('--spec <file.json> or --preset <name> is required');
    const explain = requirePackage<typeof Explain>('@vitkit/explain');
    const { writePng } = requirePackage<typeof ExplainNode>('@vitkit/explain/node');
    const trainer = trainerPackage();
    let loaded: { model: ImageClassifier; input: ExplainInput };
    if (values.preset !== undefined) {
      await selectBackend({ flag: values.backend });
      loaded = await presetInput(trainer, createRunRegistry(), values.preset, values.weights!, image);
    } else {
      const data = dataPackage();
      const spec = await trainer.loadTrainSpec(values.spec!);
      if (spec.spec.task === 'segmentation') throw new UsageError('explain takes classification specs (a segmentation spec was given)');
      const registry = createRunRegistry({ use: [trainer.plugin, data.plugin], spec: { ids: spec.spec.plugins, dir: spec.dir } });
      await selectBackend({ flag: values.backend, spec: spec.spec.backend, specPath: spec.file ? `${spec.file}: backend` : 'backend' });
      const { model, metadata } = await loadTrainedModel(trainer, spec, registry, values.weights!);
      try {
        const info = await inferenceInfo(trainer, spec, registry, metadata);
        const img = await specEvalImageReader(data, registry, spec.spec.data.evalTransforms, model, info)(image);
        loaded = { model, input: { ...img, mean: info.normalize.mean, std: info.normalize.std } };
      } catch (e) {
        model.dispose();
        throw e;
      }
    }
    try {
      const { image: picture, rows } = await explain.explainImage(loaded.model, loaded.input, alpha);
      await writePng(values.out!, picture);
      process.stdout.write(`${image} → ${values.out} (${picture.width}×${picture.height})\n${rows.map((r) => `  ${r}\n`).join('')}`);
      return EXIT.ok;
    } finally {
      loaded.model.dispose();
    }
  },
});
