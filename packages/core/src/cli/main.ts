#!/usr/bin/env node
import 'reflect-metadata';
import { commands, delegated, usage } from './commands';
import { EXIT, exitCodeFor, UsageError } from './exit-codes';
import { allowEngineFlags } from '../backend/wasm-kernel-pack';

type TrainerModule = { runTrainerCli?: (command: string, argv: string[]) => Promise<number> };

/** Runs one CLI invocation and returns the exit code (never calls process.exit, so it is testable). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(usage());
      return name ? EXIT.ok : EXIT.usage;
    }
    if (commands[name]) return await commands[name].run(rest);
    if (delegated[name]) {
      let mod: TrainerModule;
      try {
        mod = require(delegated[name].pkg) as TrainerModule;
      } catch {
        throw new UsageError(`"vitkit ${name}" needs ${delegated[name].pkg}; install it with: npm install ${delegated[name].pkg}`);
      }
      if (typeof mod.runTrainerCli !== 'function') throw new Error(`${delegated[name].pkg} does not provide runTrainerCli`);
      return await mod.runTrainerCli(name, rest);
    }
    throw new UsageError(`unknown command "${name}"\n${usage()}`);
  } catch (e) {
    process.stderr.write(`vitkit ${name ?? ''}: ${(e as Error).message}\n`);
    if (exitCodeFor(e) === EXIT.failure && process.env.VITKIT_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return exitCodeFor(e);
  }
}

if (require.main === module) {
  // This process is the CLI's own application: it may tune the engine (the wasm kernel pack's FMA and optimising tier).
  allowEngineFlags();
  main(process.argv.slice(2)).then(
    (code) => {
      // The wasm backend's pthread workers (multi-threaded build) would keep Node alive.
      process.exit(code);
    },
    (e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(EXIT.failure);
    },
  );
}
