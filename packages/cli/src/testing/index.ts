// Test helpers of @vitkit/cli (not built into dist): in-process runs and fixtures.
export { runVitkit } from './run-cli';
export type { CliRun } from './run-cli';
export { FLAT_PLUGIN_SOURCE, NOT_A_PLUGIN_SOURCE, tinyTrainSpec, fixtureDir, writeJson } from './fixtures';
