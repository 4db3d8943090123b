// The vitkit command line as a library: the command table, the exit-code rule and the run set-up, for tools that
// call the CLI in-process or add a subcommand.
export { runCli, runFromProcess, usage } from './main';
export { commands } from './commands';
export { defineCommand, commonOptions } from './command';
export type { Command, CommandArgs, CommandDef, OptionDef, OptionDefs } from './command';
export { EXIT, UsageError, MissingPackageError, PluginLoadError, exitCodeFor } from './exit-codes';
export type { ExitCode } from './exit-codes';
export { createRunRegistry, openModelSpec, parsePluginsFlag } from './run-setup';
export type { RunPlugins } from './run-setup';
export { DEFAULT_PLUGINS } from './default-plugins';
export { cliVersion } from './version';
