import { formatSegmentationInfo, modelInfo, modelSpecKind, segmentationInfo, selectBackend } from '@vitkit/core';
import type { Report } from '@vitkit/core';
import { commonOptions, defineCommand } from '../command';
import { EXIT, UsageError } from '../exit-codes';
import { createRunRegistry, openModelSpec } from '../run-setup';

function parseInput(text: string): [number, number, number] {
  const parts = text.split(',').map(Number);
  if (parts.length !== 3 || parts.some((x) => !Number.isInteger(x) || x <= 0)) throw new UsageError(`--input must be C,H,W (positive integers), got "${text}"`);
  return parts as [number, number, number];
}

const count = (n: number) => n.toLocaleString('en-US');

export const infoCommand = defineCommand({
  summary: 'parameters (total, trainable) and MACs of a preset or spec (segmentation models: also the neck\'s)',
  usage: '<preset|spec.json> [options]\n       vitkit info --report <name> [--json]',
  details: 'With --report, prints a table a plugin computes (e.g. fusion-ablation: paper Table 6 on CrossViT-S).',
  positionals: { name: '<preset|spec.json>', help: 'a registered preset name or a spec file' },
  options: {
    input: { type: 'string', value: '<C,H,W>', help: 'input size for the MAC count (default: the model\'s)' },
    report: { type: 'string', value: '<name>', help: 'run a registered report instead' },
    backend: commonOptions.backend,
    plugins: commonOptions.plugins,
    json: commonOptions.json,
  },
  async run({ values, positionals }) {
    if (values.report) {
      await selectBackend(values.backend ?? 'auto', { quiet: values.json });
      const registry = createRunRegistry({ flag: values.plugins });
      const report = registry.build<Report>('report', values.report, 'report');
      const { rows, text } = report.run(registry);
      process.stdout.write(values.json ? JSON.stringify({ report: values.report, title: report.title, rows }, null, 2) + '\n' : `${report.title}\n${text}\n`);
      return EXIT.ok;
    }
    if (!positionals[0]) throw new UsageError('give a preset name or a spec file (or --report <name>)');
    const input = values.input === undefined ? undefined : parseInput(values.input);
    await selectBackend(values.backend ?? 'auto', { quiet: values.json });
    const { loaded, registry } = await openModelSpec(positionals[0], values.plugins);
    if (modelSpecKind(registry, loaded.spec.model) === 'segmenter') {
      // Segmentation models: the whole model and its parts (backbone, neck, head), as the VT paper's Table 9 counts them.
      const seg = segmentationInfo(registry, loaded.spec.model, { input });
      process.stdout.write(values.json ? JSON.stringify(seg, null, 2) + '\n' : `${formatSegmentationInfo(seg, positionals[0])}\n`);
      return EXIT.ok;
    }
    const info = modelInfo(registry, loaded.spec.model, { input });
    if (values.json) {
      process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      return EXIT.ok;
    }
    const byKind = Object.entries(info.macsByKind).map(([k, v]) => `${k} ${(v / 1e9).toFixed(3)}G`).join(', ');
    process.stdout.write(
      `${info.preset ?? positionals[0]} (${info.type})\n` +
        `  parameters: ${count(info.paramsTotal)} total, ${count(info.paramsTrainable)} trainable\n` +
        `  MACs:       ${(info.macs / 1e9).toFixed(3)} G at ${info.input.join('x')} (matmul + conv; ${byKind})\n`,
    );
    return EXIT.ok;
  },
});
