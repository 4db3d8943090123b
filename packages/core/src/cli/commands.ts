import { parseArgs } from 'util';
import { selectBackend } from '../backend/select-backend';
import { modelInfo } from '../models/model-info';
import type { Report } from '../models/report';
import { buildModel } from '../spec/model-spec';
import { tf } from '../tf';
import { convertWeights } from '../io/convert-weights';
import { runForward } from './forward';
import { EXIT, UsageError } from './exit-codes';
import { openSpec, registryFor } from './session';

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

const backendOption = { backend: { type: 'string' as const } };
const helpOption = { help: { type: 'boolean' as const, short: 'h' } };

type OptionTypes = Record<string, { type: 'string' | 'boolean'; short?: string }>;
interface Parsed {
  values: { [k: string]: string | undefined } & { help?: boolean; json?: boolean };
  positionals: string[];
}

function parse(argv: string[], options: OptionTypes, allowPositionals = false): Parsed {
  try {
    return parseArgs({ args: argv, options: { ...options, ...helpOption }, allowPositionals, strict: true }) as unknown as Parsed;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

export const commands: Record<string, Command> = {
  list: {
    summary: 'list registered components and presets',
    usage: 'vitkit list [--json] [--kind <kind>] [pattern]\n  pattern: glob over preset names, e.g. "crossvit_*"',
    async run(argv) {
      const { values, positionals } = parse(argv, { json: { type: 'boolean' }, kind: { type: 'string' } }, true);
      if (values.help) return help('list');
      const registry = registryFor();
      const pattern = positionals[0] ?? '*';
      const kinds = values.kind ? [values.kind] : registry.kinds();
      const components: Record<string, Array<{ name: string; owner: string; description: string }>> = Object.fromEntries(kinds.map((k) => [k, registry.components(k).map((d) => ({ name: d.name, owner: d.owner, description: d.description }))]));
      const presets = registry.listModels(pattern).map((n) => {
        const p = registry.preset(n)!;
        return { name: n, type: p.spec.type, owner: p.owner, aliases: p.aliases ?? [], description: p.description, ...(p.pretrained ? { pretrained: p.pretrained } : {}) };
      });
      if (values.json) {
        process.stdout.write(JSON.stringify({ plugins: registry.loadedPlugins(), components, presets }, null, 2) + '\n');
        return EXIT.ok;
      }
      process.stdout.write(`plugins: ${registry.loadedPlugins().join(', ')}\n`);
      for (const [kind, defs] of Object.entries(components)) {
        process.stdout.write(`\n${kind}:\n`);
        for (const d of defs) process.stdout.write(`  ${d.name.padEnd(22)} ${d.description}  [${d.owner}]\n`);
      }
      process.stdout.write(`\npresets (${presets.length}):\n`);
      for (const p of presets) process.stdout.write(`  ${p.name.padEnd(26)} ${p.type.padEnd(12)} ${p.description}${p.aliases.length ? ` (alias ${p.aliases.join(', ')})` : ''}\n`);
      return EXIT.ok;
    },
  },
  info: {
    summary: 'parameters (total, trainable) and MACs of a preset or spec',
    usage:
      'vitkit info <preset|spec.json> [--json] [--input C,H,W] [--backend <name>]\n' +
      'vitkit info --report <name> [--json]   a table a plugin computes (e.g. fusion-ablation: paper Table 6 on CrossViT-S)',
    async run(argv) {
      const { values, positionals } = parse(argv, { json: { type: 'boolean' }, input: { type: 'string' }, report: { type: 'string' }, ...backendOption }, true);
      if (values.help) return help('info');
      if (values.report) {
        await selectBackend(values.backend ?? 'auto', { quiet: values.json });
        const registry = registryFor();
        const report = registry.build<Report>('report', values.report, 'report');
        const { rows, text } = report.run(registry);
        process.stdout.write(values.json ? JSON.stringify({ report: values.report, title: report.title, rows }, null, 2) + '\n' : `${report.title}\n${text}\n`);
        return EXIT.ok;
      }
      if (!positionals[0]) throw new UsageError('info needs a preset name or a spec file (or --report <name>)');
      await selectBackend(values.backend ?? 'auto', { quiet: values.json });
      const { loaded, registry } = await openSpec(positionals[0]);
      let input: [number, number, number] | undefined;
      if (values.input) {
        const parts = values.input.split(',').map(Number);
        if (parts.length !== 3 || parts.some((x) => !Number.isInteger(x) || x <= 0)) throw new UsageError(`--input must be C,H,W (positive integers), got "${values.input}"`);
        input = parts as [number, number, number];
      }
      const info = modelInfo(registry, loaded.spec.model, { input });
      if (values.json) {
        process.stdout.write(JSON.stringify({ ...info, params_total: info.paramsTotal, params_trainable: info.paramsTrainable }, null, 2) + '\n');
      } else {
        process.stdout.write(
          `${info.preset ?? positionals[0]} (${info.type})\n` +
            `  parameters: ${fmtCount(info.paramsTotal)} total, ${fmtCount(info.paramsTrainable)} trainable\n` +
            `  MACs:       ${(info.macs / 1e9).toFixed(3)} G at ${info.input.join('x')} (matmul + conv; ${Object.entries(info.macsByKind).map(([k, v]) => `${k} ${(v / 1e9).toFixed(3)}G`).join(', ')})\n`,
        );
      }
      return EXIT.ok;
    },
  },
  forward: {
    summary: 'run a model on __input__ of a safetensors file and write __logits__',
    usage: 'vitkit forward --spec <preset|spec.json> [--weights <w.safetensors|w.pth>] --input <x.safetensors> [--output <y.safetensors>] [--backend <name>]',
    async run(argv) {
      const { values } = parse(argv, { spec: { type: 'string' }, weights: { type: 'string' }, input: { type: 'string' }, output: { type: 'string' }, ...backendOption });
      // --weights takes safetensors or a PyTorch checkpoint (.pth / .pth.tar).
      if (values.help) return help('forward');
      if (!values.spec || !values.input) throw new UsageError('forward needs --spec and --input');
      await selectBackend(values.backend ?? 'auto');
      const { shape, logits } = await runForward({ spec: values.spec, weights: values.weights, input: values.input, output: values.output });
      process.stderr.write(`logits [${shape}]${values.output ? ` written to ${values.output}` : ''}\n`);
      if (!values.output) process.stdout.write(JSON.stringify({ shape, logits: Array.from(logits) }) + '\n');
      return EXIT.ok;
    },
  },
  convert: {
    summary: 'convert a PyTorch checkpoint (.pth, .pth.tar) to a safetensors state dict',
    usage: 'vitkit convert <in.pth> <out.safetensors> [--weights auto|ema|live]',
    async run(argv) {
      const { values, positionals } = parse(argv, { weights: { type: 'string' } }, true);
      if (values.help) return help('convert');
      if (positionals.length !== 2) throw new UsageError('convert needs an input and an output file');
      const choice = values.weights ?? 'auto';
      if (!['auto', 'ema', 'live'].includes(choice)) throw new UsageError(`--weights must be auto, ema or live, got "${choice}"`);
      const r = await convertWeights(positionals[0], positionals[1], { weights: choice as 'auto' | 'ema' | 'live' });
      process.stdout.write(`${positionals[1]}: ${r.tensors} tensors from ${r.entry ? `"${r.entry}" of ` : ''}${positionals[0]} (${r.format})\n`);
      return EXIT.ok;
    },
  },
  demo: {
    summary: 'build a registered model from a spec and run it on a random batch',
    usage: 'vitkit demo [preset|spec.json] [--backend <name>]',
    async run(argv) {
      const { values, positionals } = parse(argv, backendOption, true);
      if (values.help) return help('demo');
      await selectBackend(values.backend ?? 'auto');
      const { loaded, registry } = await openSpec(positionals[0] ?? 'vit_s_bench_32');
      const model = buildModel(registry, loaded.spec.model).eval();
      const [h, w] = model.config.inputSize;
      const t0 = Date.now();
      const probs = tf.tidy(() => tf.softmax(model.forward(tf.randomUniform([2, h, w, model.config.inChans], 0, 1, 'float32', 0))));
      const { total } = model.countParameters();
      process.stdout.write(`${loaded.source}: ${fmtCount(total)} parameters; output [${probs.shape}] in ${Date.now() - t0} ms; row sums ${Array.from(tf.tidy(() => tf.sum(probs, 1)).dataSync()).map((x) => x.toFixed(4)).join(', ')}\n`);
      probs.dispose();
      model.dispose();
      return EXIT.ok;
    },
  },
};

/** Commands another package provides (the trainer), loaded only when it is installed. */
export const delegated: Record<string, { summary: string; pkg: string }> = {
  train: { summary: 'train a model from a spec', pkg: '@vitkit/trainer' },
  eval: { summary: 'evaluate weights on a spec\'s test data', pkg: '@vitkit/trainer' },
  predict: { summary: 'top-k labels for image files', pkg: '@vitkit/trainer' },
};

export function usage(): string {
  const rows = [...Object.entries(commands).map(([n, c]) => [n, c.summary]), ...Object.entries(delegated).map(([n, c]) => [n, `${c.summary} (${c.pkg})`])];
  return (
    'usage: vitkit <command> [options]\n\ncommands:\n' +
    rows.map(([n, s]) => `  ${n.padEnd(8)} ${s}`).join('\n') +
    '\n\nglobal: --backend auto|tfjs-node-gpu|tfjs-node|wasm|cpu (or $VITKIT_BACKEND), --help\n' +
    'exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid input (spec, plugin, weights)\n'
  );
}

function help(name: string): number {
  process.stdout.write(`usage: ${commands[name].usage}\n`);
  return EXIT.ok;
}
