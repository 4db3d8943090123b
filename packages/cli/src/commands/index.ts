import type { Command } from '../command';
import { convertCommand } from './convert';
import { demoCommand } from './demo';
import { evalCommand } from './eval';
import { explainCommand } from './explain';
import { exportCommand } from './export';
import { forwardCommand } from './forward';
import { infoCommand } from './info';
import { listCommand } from './list';
import { predictCommand } from './predict';
import { trainCommand } from './train';

/**
 * Every `vitkit` subcommand, in the order `vitkit --help` lists them. Adding a subcommand is one entry here
 * (a `defineCommand({...})` in its own file): help, flag parsing and exit codes come with it.
 */
export const commands: Readonly<Record<string, Command>> = {
  list: listCommand,
  info: infoCommand,
  forward: forwardCommand,
  convert: convertCommand,
  demo: demoCommand,
  train: trainCommand,
  eval: evalCommand,
  predict: predictCommand,
  explain: explainCommand,
  export: exportCommand,
};
