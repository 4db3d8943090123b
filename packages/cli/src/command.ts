import { parseArgs } from 'util';
import { UsageError } from './exit-codes';

/** One flag of a subcommand: how it parses and how `--help` shows it. */
export interface OptionDef {
  type: 'string' | 'boolean';
  /** Placeholder shown after a string flag in help, e.g. `<file>`. */
  value?: string;
  help: string;
  required?: boolean;
  short?: string;
}

export type OptionDefs = Record<string, OptionDef>;

/** What a command's `run` receives: flags typed from their definitions, and the positional arguments. */
export interface CommandArgs<O extends OptionDefs> {
  values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };
  positionals: string[];
}

/** A subcommand: everything `vitkit <name> --help` prints comes from here, so every command's help looks the same. */
export interface CommandDef<O extends OptionDefs> {
  /** One line, shown in `vitkit --help`. */
  summary: string;
  /** What follows `vitkit <name>` in the usage line, e.g. `--spec <file.json> [options]`. */
  usage: string;
  /** Further paragraphs of help (what the command writes, examples). */
  details?: string;
  options: O;
  /** Positional arguments, when the command takes any. */
  positionals?: { name: string; help: string; min?: number };
  run(args: CommandArgs<O>): Promise<number>;
}

/** A command with its option types erased, as the command table holds it. */
export interface Command {
  summary: string;
  help(name: string): string;
  usageLine(name: string): string;
  /** Parses argv (throwing UsageError on bad flags) and runs; `--help` prints help and returns 0. */
  invoke(name: string, argv: string[]): Promise<number>;
}

const HELP_OPTION: OptionDef = { type: 'boolean', short: 'h', help: 'this help' };

function flagLabel(name: string, o: OptionDef): string {
  const flag = `${o.short ? `-${o.short}, ` : ''}--${name}`;
  return o.type === 'string' ? `${flag} ${o.value ?? '<value>'}` : flag;
}

function table(rows: Array<[string, string]>, width: number): string {
  return rows.map(([l, h]) => `  ${l.padEnd(width)}${h}`).join('\n');
}

function renderHelp(name: string, def: CommandDef<OptionDefs>): string {
  const options: Array<[string, OptionDef]> = [...Object.entries(def.options), ['help', HELP_OPTION]];
  const rows: Array<[string, string]> = options.map(([n, o]) => [flagLabel(n, o), `${o.help}${o.required ? ' (required)' : ''}`]);
  const args: Array<[string, string]> = def.positionals ? [[def.positionals.name, def.positionals.help]] : [];
  const width = Math.max(...[...rows, ...args].map(([l]) => l.length)) + 2;
  const summary = `${def.summary[0].toUpperCase()}${def.summary.slice(1)}.`;
  return (
    `Usage: vitkit ${name} ${def.usage}\n\n${summary}\n${def.details ? `\n${def.details.trim()}\n` : ''}\n` +
    (args.length ? `Arguments:\n${table(args, width)}\n\n` : '') +
    `Options:\n${table(rows, width)}\n`
  );
}

/** Wraps a typed definition into a table entry. */
export function defineCommand<O extends OptionDefs>(def: CommandDef<O>): Command {
  const erased = def as unknown as CommandDef<OptionDefs>;
  return {
    summary: def.summary,
    help: (name) => renderHelp(name, erased),
    usageLine: (name) => `Usage: vitkit ${name} ${def.usage}`,
    async invoke(name, argv) {
      const options = Object.fromEntries(
        [...Object.entries(def.options), ['help', HELP_OPTION] as const].map(([n, o]) => [n, o.short ? { type: o.type, short: o.short } : { type: o.type }]),
      );
      let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
      try {
        parsed = parseArgs({ args: argv, options, allowPositionals: !!def.positionals, strict: true }) as typeof parsed;
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      if (parsed.values.help) {
        process.stdout.write(renderHelp(name, erased));
        return 0;
      }
      for (const [n, o] of Object.entries(def.options)) {
        if (o.required && parsed.values[n] === undefined) throw new UsageError(`--${n}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''} is required`);
      }
      const min = def.positionals?.min ?? 0;
      if (parsed.positionals.length < min) throw new UsageError(`give at least ${min === 1 ? 'one' : min} ${def.positionals!.name}`);
      return def.run(parsed as CommandArgs<O>);
    },
  };
}

/** Flags several commands share, so they read the same everywhere. */
export const commonOptions = {
  backend: { type: 'string', value: '<name>', help: 'auto | tfjs-node-gpu | tfjs-node | wasm | cpu (default: auto, or $VITKIT_BACKEND)' },
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
  /** For the commands that read a training spec: its "backend" is the default. */
  specBackend: { type: 'string', value: '<name>', help: 'auto | tfjs-node-gpu | tfjs-node | wasm | cpu (default: the spec\'s "backend", else auto)' },
  plugins: { type: 'string', value: '<a,b>', help: 'extra plugins to load: package names or paths (./x.js), comma-separated' },
} as const satisfies OptionDefs;
