import { allowEngineFlags } from '@vitkit/core';
import { commands } from './commands';
import { EXIT, exitCodeFor, MissingPackageError, UsageError } from './exit-codes';
import { cliVersion } from './version';

/** `vitkit --help`: the command table and the exit-code rule. */
export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length)) + 2;
  return (
    'Usage: vitkit <command> [options]\n\n' +
    'Vision transformers from JSON specs: list, inspect, run, train and evaluate models.\n\n' +
    `Commands:\n${Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}${c.summary}`).join('\n')}\n\n` +
    'Options:\n  -h, --help     this help (vitkit <command> --help: the command\'s options)\n  -v, --version  print the version of @vitkit/cli\n\n' +
    'Exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid input (spec, plugin, weights), 130 train interrupted.\n'
  );
}

/** Runs one invocation and returns its exit code (never exits the process, so it is testable in-process). */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === '--version' || name === '-v') {
      process.stdout.write(`${cliVersion()}\n`);
      return EXIT.ok;
    }
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const command = name === 'help' && rest[0] ? commands[rest[0]] : undefined;
      if (command) {
        process.stdout.write(command.help(rest[0]));
        return EXIT.ok;
      }
      (name === undefined ? process.stderr : process.stdout).write(usage());
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!command) throw new UsageError(`unknown command "${name}"; run "vitkit --help" for the list`);
    try {
      return await command.invoke(name, rest);
    } catch (e) {
      if (e instanceof UsageError && !(e instanceof MissingPackageError)) throw new UsageError(`${e.message}\n${command.usageLine(name)}   (vitkit ${name} --help for the options)`);
      throw e;
    }
  } catch (e) {
    const code = exitCodeFor(e);
    process.stderr.write(`vitkit${name && Object.hasOwn(commands, name) ? ` ${name}` : ''}: ${(e as Error)?.message ?? String(e)}\n`);
    if (code === EXIT.failure && process.env.VITKIT_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
    return code;
  }
}

/** The bin's entry: runs argv and exits with the code (the wasm backend's pthread workers would keep Node alive). */
export function runFromProcess(): void {
  // This process is the CLI's own application: it may tune the engine (the wasm kernel pack's FMA and optimising tier).
  allowEngineFlags();
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
      process.exit(EXIT.failure);
    },
  );
}
